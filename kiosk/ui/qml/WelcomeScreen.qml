import QtQuick

// Idle: what to do, in three steps, with a picture of a tray.
Item {
    id: w
    property real u: 1
    property QtObject lang
    readonly property url art: Qt.resolvedUrl("../../../assets/art/")

    Row {
        anchors.centerIn: parent
        spacing: 96 * w.u

        Column {
            width: 760 * w.u
            anchors.verticalCenter: parent.verticalCenter
            spacing: 28 * w.u
            Text {
                text: qsTr("Welcome")
                font.family: Theme.font; font.pixelSize: 84 * w.u; font.weight: Font.Bold
                color: Theme.ink
            }
            Text {
                width: parent.width
                text: qsTr("Put your items on the tray. No scanning needed.")
                font.family: Theme.font; font.pixelSize: 34 * w.u
                color: Theme.muted
                wrapMode: Text.WordWrap
            }
            Item { width: 1; height: 12 * w.u }
            Repeater {
                model: [
                    qsTr("Place your items on the tray, side by side"),
                    qsTr("Check the list on the screen"),
                    qsTr("Pay by QR code or card, take your receipt")
                ]
                delegate: Row {
                    required property string modelData
                    required property int index
                    spacing: 24 * w.u
                    Rectangle {
                        width: 72 * w.u; height: width; radius: width / 2
                        color: Theme.brand
                        Text {
                            anchors.centerIn: parent
                            text: index + 1
                            color: "white"
                            font.family: Theme.font; font.pixelSize: 34 * w.u; font.weight: Font.Bold
                        }
                    }
                    Text {
                        width: 640 * w.u
                        anchors.verticalCenter: parent.verticalCenter
                        text: modelData
                        font.family: Theme.font; font.pixelSize: 32 * w.u
                        color: Theme.ink
                        wrapMode: Text.WordWrap
                    }
                }
            }
        }

        // the illustration: a tray with a few items, as the camera sees it
        Rectangle {
            width: 720 * w.u; height: 520 * w.u
            anchors.verticalCenter: parent.verticalCenter
            radius: 40 * w.u
            color: "#d9dde0"
            border.width: 10 * w.u
            border.color: "#c5cbd0"
            Image {
                source: w.art + "chips-original-70/top_0.png"
                width: 230 * w.u; height: 300 * w.u
                fillMode: Image.PreserveAspectFit
                x: 400 * w.u; y: 60 * w.u
                rotation: 14
                smooth: true
                asynchronous: true
            }
            Image {
                source: w.art + "cola-classic-330/top_0.png"
                width: 130 * w.u; height: 130 * w.u
                fillMode: Image.PreserveAspectFit
                x: 110 * w.u; y: 90 * w.u
                asynchronous: true
            }
            Image {
                source: w.art + "milk-pure-250/top_0.png"
                width: 150 * w.u; height: 210 * w.u
                fillMode: Image.PreserveAspectFit
                x: 130 * w.u; y: 260 * w.u
                rotation: -12
                asynchronous: true
            }
            Image {
                source: w.art + "apple-fuji/top_0.png"
                width: 120 * w.u; height: 120 * w.u
                fillMode: Image.PreserveAspectFit
                x: 320 * w.u; y: 330 * w.u
                asynchronous: true
            }
            Rectangle {
                // one recognised item, as the kiosk will show it
                x: 100 * w.u; y: 80 * w.u; width: 150 * w.u; height: 150 * w.u
                color: "transparent"; radius: 10 * w.u
                border.width: 5 * w.u; border.color: Theme.go
            }
            Rectangle {
                anchors.horizontalCenter: parent.horizontalCenter
                anchors.bottom: parent.bottom
                anchors.bottomMargin: -36 * w.u
                width: hint.implicitWidth + 48 * w.u; height: 72 * w.u; radius: 36 * w.u
                color: Theme.go
                Text {
                    id: hint
                    anchors.centerIn: parent
                    text: qsTr("Start by placing an item")
                    color: "white"
                    font.family: Theme.font; font.pixelSize: 28 * w.u; font.weight: Font.DemiBold
                }
            }
        }
    }
}
