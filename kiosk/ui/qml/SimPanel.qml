import QtQuick
import QtQuick.Controls

// The demo's simulator: play the shopper on the virtual tray.
Rectangle {
    id: sp
    required property QtObject simulator
    property string mode: "place"
    color: "#26303a"

    Column {
        id: head
        anchors.left: parent.left; anchors.right: parent.right; anchors.top: parent.top
        anchors.margins: 16
        spacing: 10
        Text { text: "模拟器 Simulator"; color: "white"; font.family: Theme.font; font.pixelSize: 24; font.weight: Font.Bold }
        Text { text: "Tap a product: it goes on the virtual tray that the camera draws and the scale weighs."
               width: parent.width; wrapMode: Text.WordWrap; color: "#b8c2cc"; font.family: Theme.font; font.pixelSize: 14 }
        Flow {
            width: parent.width
            spacing: 6
            Repeater {
                model: [["place", "Place"], ["bottom", "Bottom up"], ["stack", "Stack on last"], ["scan", "Scan barcode"]]
                delegate: Button {
                    required property var modelData
                    text: modelData[1]
                    checkable: true
                    checked: sp.mode === modelData[0]
                    onClicked: sp.mode = modelData[0]
                }
            }
        }
    }
    GridView {
        id: grid
        anchors.left: parent.left; anchors.right: parent.right
        anchors.top: head.bottom; anchors.bottom: actions.top
        anchors.margins: 12
        clip: true
        cellWidth: width / 4; cellHeight: 118
        model: sp.simulator ? sp.simulator.productModel : null
        delegate: AbstractButton {
            id: tile
            required property string sku
            required property string name
            required property string picture
            objectName: "sim_" + sku
            width: grid.cellWidth - 6; height: grid.cellHeight - 6
            onClicked: {
                if (sp.mode === "bottom") sp.simulator.placeBottomUp(sku)
                else if (sp.mode === "stack") sp.simulator.stack(sku)
                else if (sp.mode === "scan") sp.simulator.scan(sku)
                else sp.simulator.place(sku)
            }
            background: Rectangle { radius: 8; color: tile.down ? "#3d4a57" : "#323e4a" }
            contentItem: Column {
                spacing: 2
                Image { anchors.horizontalCenter: parent.horizontalCenter; width: 72; height: 72
                        source: tile.picture; fillMode: Image.PreserveAspectFit; asynchronous: true }
                Text { width: tile.width - 6; anchors.horizontalCenter: parent.horizontalCenter
                       text: tile.name; color: "white"; font.family: Theme.font; font.pixelSize: 12
                       elide: Text.ElideRight; horizontalAlignment: Text.AlignHCenter }
            }
        }
    }
    Column {
        id: actions
        anchors.left: parent.left; anchors.right: parent.right; anchors.bottom: parent.bottom
        anchors.margins: 12
        spacing: 6
        Text { text: sp.simulator ? sp.simulator.status : ""; color: "#9fe0bf"; font.family: Theme.font; font.pixelSize: 14
               width: parent.width; elide: Text.ElideRight }
        Grid {
            columns: 2
            spacing: 6
            Button { width: (actions.width - 6) / 2; text: "Remove top item"; onClicked: sp.simulator.removeLast() }
            Button { width: (actions.width - 6) / 2; text: "Clear the tray"; onClicked: sp.simulator.clear() }
            Button { width: (actions.width - 6) / 2; text: "Move items apart"; onClicked: sp.simulator.shuffle() }
            Button { width: (actions.width - 6) / 2; text: "Hand over tray"; onClicked: sp.simulator.hand() }
            Button { width: (actions.width - 6) / 2; text: "Unplug scale"; onClicked: sp.simulator.unplugScale() }
            Button { width: (actions.width - 6) / 2; text: "Plug scale in"; onClicked: sp.simulator.replugScale() }
            Button { width: (actions.width - 6) / 2; text: "Scan staff badge"; onClicked: sp.simulator.staffBadge() }
            Button { width: (actions.width - 6) / 2; text: "Printer: paper out"; onClicked: sp.simulator.paper("out") }
            Button { width: (actions.width - 6) / 2; text: "Printer: new roll"; onClicked: sp.simulator.paper("ok") }
            Button { width: (actions.width - 6) / 2; text: "Cover the camera"; onClicked: sp.simulator.cameraFault("black") }
            Button { width: (actions.width - 6) / 2; text: "Uncover the camera"; onClicked: sp.simulator.cameraFault("none") }
            Button { width: (actions.width - 6) / 2; text: "Calibration card flat"; onClicked: sp.simulator.layCard("flat") }
            Button { width: (actions.width - 6) / 2; text: "Card on the 100 mm block"; onClicked: sp.simulator.layCard("raised") }
            Button { width: (actions.width - 6) / 2; text: "Take the card away"; onClicked: sp.simulator.takeCardAway() }
        }
    }
}
