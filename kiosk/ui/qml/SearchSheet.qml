import QtQuick
import QtQuick.Controls

// Find an item by name: pinyin (kele, cgkl), Chinese or English, with an on-screen keyboard.
Rectangle {
    id: s
    property real u: 1
    property QtObject search
    signal picked(string sku)
    signal closed()
    color: Theme.paper
    MouseArea { anchors.fill: parent }

    Row {
        id: top
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.top: parent.top
        anchors.margins: 28 * s.u
        spacing: 20 * s.u
        height: 96 * s.u
        BigButton {
            objectName: "searchBack"
            u: s.u
            width: 200 * s.u
            filled: false
            text: qsTr("Back")
            onClicked: s.closed()
        }
        Rectangle {
            width: parent.width - 220 * s.u
            height: 88 * s.u
            radius: 16 * s.u
            color: Theme.card
            border.width: 3 * s.u
            border.color: Theme.brand
            Text {
                anchors.left: parent.left
                anchors.leftMargin: 28 * s.u
                anchors.verticalCenter: parent.verticalCenter
                text: s.search && s.search.query !== "" ? s.search.query + "▏"
                      : qsTr("Type a name or pinyin, e.g. kele or pingguo")
                color: s.search && s.search.query !== "" ? Theme.ink : Theme.muted
                font.family: Theme.font; font.pixelSize: 36 * s.u
            }
        }
    }

    GridView {
        id: grid
        objectName: "searchResults"
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.top: top.bottom
        anchors.bottom: keys.top
        anchors.margins: 28 * s.u
        clip: true
        cellWidth: width / Math.max(1, Math.floor(width / (300 * s.u)))
        cellHeight: 300 * s.u
        model: s.search ? s.search.resultModel : null
        delegate: Item {
            id: cell
            required property string sku
            required property string name
            required property string otherName
            required property string price
            required property string picture
            width: grid.cellWidth
            height: grid.cellHeight
            AbstractButton {
                objectName: "result_" + cell.sku
                anchors.fill: parent
                anchors.margins: 10 * s.u
                onClicked: s.picked(cell.sku)
                background: Rectangle {
                    radius: 18 * s.u
                    color: parent.down ? Theme.line : Theme.card
                }
                contentItem: Column {
                    spacing: 4 * s.u
                    topPadding: 12 * s.u
                    Image {
                        anchors.horizontalCenter: parent.horizontalCenter
                        width: 160 * s.u; height: 160 * s.u
                        source: cell.picture
                        fillMode: Image.PreserveAspectFit
                        asynchronous: true
                    }
                    Text {
                        width: parent.width - 20 * s.u
                        anchors.horizontalCenter: parent.horizontalCenter
                        horizontalAlignment: Text.AlignHCenter
                        text: cell.name
                        elide: Text.ElideRight
                        font.family: Theme.font; font.pixelSize: 22 * s.u; font.weight: Font.DemiBold
                        color: Theme.ink
                    }
                    Text {
                        width: parent.width - 20 * s.u
                        anchors.horizontalCenter: parent.horizontalCenter
                        horizontalAlignment: Text.AlignHCenter
                        text: cell.otherName + " · " + cell.price
                        elide: Text.ElideRight
                        font.family: Theme.font; font.pixelSize: 17 * s.u
                        color: Theme.muted
                    }
                }
            }
        }
    }

    Rectangle {
        id: keys
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        height: 440 * s.u
        color: "#e7e3da"
        Column {
            anchors.centerIn: parent
            spacing: 12 * s.u
            Repeater {
                model: ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
                delegate: Row {
                    required property string modelData
                    anchors.horizontalCenter: parent.horizontalCenter
                    spacing: 12 * s.u
                    Repeater {
                        model: modelData.split("")
                        delegate: AbstractButton {
                            id: key
                            required property string modelData
                            objectName: "key_" + modelData
                            width: 112 * s.u; height: 72 * s.u
                            onClicked: s.search.type(modelData)
                            background: Rectangle {
                                radius: 12 * s.u
                                color: key.down ? Theme.line : Theme.card
                            }
                            contentItem: Text {
                                text: key.modelData
                                horizontalAlignment: Text.AlignHCenter
                                verticalAlignment: Text.AlignVCenter
                                font.family: Theme.font; font.pixelSize: 30 * s.u
                                color: Theme.ink
                            }
                        }
                    }
                }
            }
            Row {
                anchors.horizontalCenter: parent.horizontalCenter
                spacing: 12 * s.u
                BigButton { u: s.u; width: 240 * s.u; implicitHeight: 72 * s.u; filled: false
                            text: qsTr("Clear"); onClicked: s.search.type("clear") }
                BigButton { u: s.u; width: 600 * s.u; implicitHeight: 72 * s.u; filled: false
                            text: qsTr("Space"); onClicked: s.search.type(" ") }
                BigButton { u: s.u; width: 240 * s.u; implicitHeight: 72 * s.u; filled: false
                            text: "⌫"; onClicked: s.search.type("⌫") }
            }
        }
    }
}
