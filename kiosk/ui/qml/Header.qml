import QtQuick
import QtQuick.Controls

// Store name (a long press opens staff login), scale reading, language, help.
Rectangle {
    id: h
    property real u: 1
    property QtObject checkout
    property QtObject staff
    property QtObject lang
    signal help()
    height: 96 * u
    color: Theme.card

    Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 2 * h.u; color: Theme.line }

    Row {
        id: brand
        anchors.left: parent.left
        anchors.leftMargin: 32 * h.u
        anchors.verticalCenter: parent.verticalCenter
        spacing: 16 * h.u
        Rectangle {
            width: 56 * h.u; height: 56 * h.u; radius: 14 * h.u
            color: Theme.brand
            Text {
                anchors.centerIn: parent
                text: "晨"
                color: "white"
                font.family: Theme.font
                font.pixelSize: 32 * h.u
                font.weight: Font.Bold
            }
        }
        Column {
            anchors.verticalCenter: parent.verticalCenter
            Text {
                text: qsTr("Morning Mart")
                font.family: Theme.font; font.pixelSize: 28 * h.u; font.weight: Font.DemiBold
                color: Theme.ink
            }
            Text {
                text: qsTr("Self-checkout")
                font.family: Theme.font; font.pixelSize: 18 * h.u
                color: Theme.muted
            }
        }
    }
    MouseArea {
        // the staff entrance: press and hold the store name for two seconds
        objectName: "staffEntrance"
        anchors.fill: brand
        pressAndHoldInterval: 2000
        onPressAndHold: if (h.staff) h.staff.openPad()
    }

    Row {
        anchors.right: parent.right
        anchors.rightMargin: 24 * h.u
        anchors.verticalCenter: parent.verticalCenter
        spacing: 16 * h.u

        Rectangle {
            visible: h.checkout !== null && h.checkout.phase !== "idle"
            height: 64 * h.u
            width: scaleRow.implicitWidth + 40 * h.u
            radius: height / 2
            color: h.checkout && h.checkout.scaleOk ? Theme.brandSoft : Theme.stopSoft
            Row {
                id: scaleRow
                anchors.centerIn: parent
                spacing: 10 * h.u
                Rectangle {
                    width: 14 * h.u; height: width; radius: width / 2
                    anchors.verticalCenter: parent.verticalCenter
                    color: !h.checkout || !h.checkout.scaleOk ? Theme.stop
                         : (h.checkout.scaleStable ? Theme.go : Theme.ask)
                }
                Text {
                    text: qsTr("Scale") + "  " + (h.checkout ? h.checkout.scaleText : "")
                    font.family: Theme.font; font.pixelSize: 22 * h.u
                    color: Theme.ink
                    anchors.verticalCenter: parent.verticalCenter
                }
            }
        }

        Row {
            spacing: 0
            Repeater {
                model: [["zh_CN", "中文"], ["en", "English"]]
                delegate: AbstractButton {
                    id: langButton
                    required property var modelData
                    required property int index
                    objectName: "lang_" + modelData[0]
                    width: 120 * h.u
                    height: 64 * h.u
                    onClicked: h.lang.setLanguage(modelData[0])
                    background: Rectangle {
                        radius: 14 * h.u
                        color: h.lang && h.lang.language === langButton.modelData[0] ? Theme.brand : Theme.card
                        border.width: 2 * h.u
                        border.color: Theme.brand
                    }
                    contentItem: Text {
                        text: langButton.modelData[1]
                        horizontalAlignment: Text.AlignHCenter
                        verticalAlignment: Text.AlignVCenter
                        font.family: Theme.font; font.pixelSize: 22 * h.u
                        color: h.lang && h.lang.language === langButton.modelData[0] ? "white" : Theme.brand
                    }
                }
            }
        }

        BigButton {
            objectName: "helpButton"
            u: h.u
            implicitHeight: 64 * h.u
            tint: Theme.brand
            filled: false
            textSize: 22 * h.u
            text: qsTr("Call for help")
            onClicked: h.help()
        }
    }
}
