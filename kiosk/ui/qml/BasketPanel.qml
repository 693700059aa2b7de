import QtQuick
import QtQuick.Controls

// The basket: every line with quantity, unit price, weight for produce, line total.
Rectangle {
    id: b
    property real u: 1
    property QtObject checkout
    signal searchRequested()
    signal payRequested()
    radius: 20 * u
    color: Theme.card

    Column {
        id: head
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.top: parent.top
        anchors.margins: 28 * b.u
        spacing: 4 * b.u
        Text {
            text: qsTr("Your items")
            font.family: Theme.font; font.pixelSize: 36 * b.u; font.weight: Font.Bold
            color: Theme.ink
        }
        Text {
            text: b.checkout ? qsTr("%n item(s)", "", b.checkout.itemCount) : ""
            font.family: Theme.font; font.pixelSize: 22 * b.u
            color: Theme.muted
        }
    }

    ListView {
        id: list
        objectName: "basketList"
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.top: head.bottom
        anchors.bottom: foot.top
        anchors.margins: 20 * b.u
        clip: true
        spacing: 10 * b.u
        model: b.checkout ? b.checkout.basketModel : null
        delegate: Rectangle {
            id: row
            required property int lineId
            required property string name
            required property int quantity
            required property string unitPrice
            required property string weight
            required property string lineTotal
            required property bool needsAge
            required property bool approved
            required property string picture
            required property bool editable
            width: list.width
            height: 112 * b.u
            radius: 14 * b.u
            color: needsAge ? Theme.askSoft : Theme.paper
            Image {
                id: pic
                anchors.left: parent.left
                anchors.leftMargin: 12 * b.u
                anchors.verticalCenter: parent.verticalCenter
                width: 88 * b.u; height: 88 * b.u
                source: row.picture
                fillMode: Image.PreserveAspectFit
                asynchronous: true
            }
            Column {
                anchors.left: pic.right
                anchors.leftMargin: 16 * b.u
                anchors.right: qty.left
                anchors.rightMargin: 12 * b.u
                anchors.verticalCenter: parent.verticalCenter
                spacing: 4 * b.u
                Text {
                    width: parent.width
                    text: row.name
                    wrapMode: Text.Wrap
                    maximumLineCount: 2
                    elide: Text.ElideRight
                    lineHeight: 0.9
                    font.family: Theme.font; font.pixelSize: 23 * b.u; font.weight: Font.DemiBold
                    color: Theme.ink
                }
                Text {
                    width: parent.width
                    text: (row.weight !== "" ? row.weight + " × " : "") + row.unitPrice
                    font.family: Theme.font; font.pixelSize: 20 * b.u
                    color: Theme.muted
                }
                Text {
                    visible: row.needsAge || row.approved
                    text: row.needsAge ? qsTr("Age check by staff") : qsTr("Age checked")
                    font.family: Theme.font; font.pixelSize: 18 * b.u; font.weight: Font.DemiBold
                    color: row.needsAge ? "#9a5b06" : Theme.go
                }
            }
            Row {
                id: qty
                anchors.right: total.left
                anchors.rightMargin: 16 * b.u
                anchors.verticalCenter: parent.verticalCenter
                spacing: 8 * b.u
                RoundButton {
                    visible: row.editable
                    width: 64 * b.u; height: 64 * b.u
                    text: "−"
                    font.pixelSize: 30 * b.u
                    onClicked: b.checkout.setQuantity(row.lineId, row.quantity - 1)
                }
                Text {
                    width: 56 * b.u
                    anchors.verticalCenter: parent.verticalCenter
                    horizontalAlignment: Text.AlignHCenter
                    text: row.weight !== "" ? "" : "×" + row.quantity
                    font.family: Theme.font; font.pixelSize: 26 * b.u
                    color: Theme.ink
                }
                RoundButton {
                    visible: row.editable
                    width: 64 * b.u; height: 64 * b.u
                    text: "+"
                    font.pixelSize: 30 * b.u
                    onClicked: b.checkout.setQuantity(row.lineId, row.quantity + 1)
                }
            }
            Text {
                id: total
                anchors.right: parent.right
                anchors.rightMargin: 20 * b.u
                anchors.verticalCenter: parent.verticalCenter
                width: 130 * b.u
                horizontalAlignment: Text.AlignRight
                text: row.lineTotal
                font.family: Theme.font; font.pixelSize: 27 * b.u; font.weight: Font.DemiBold
                color: Theme.ink
            }
        }
        Text {
            anchors.centerIn: parent
            visible: list.count === 0
            width: list.width * 0.8
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            text: qsTr("Your items appear here as soon as the tray is still.")
            font.family: Theme.font; font.pixelSize: 24 * b.u
            color: Theme.muted
        }
    }

    Column {
        id: foot
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        anchors.margins: 24 * b.u
        spacing: 16 * b.u
        Rectangle { width: parent.width; height: 2 * b.u; color: Theme.line }
        Item {
            width: parent.width
            height: 72 * b.u
            Text {
                anchors.left: parent.left
                anchors.verticalCenter: parent.verticalCenter
                text: qsTr("Total")
                font.family: Theme.font; font.pixelSize: 32 * b.u
                color: Theme.ink
            }
            Text {
                objectName: "total"
                anchors.right: parent.right
                anchors.verticalCenter: parent.verticalCenter
                text: b.checkout ? b.checkout.total : ""
                font.family: Theme.font; font.pixelSize: 56 * b.u; font.weight: Font.Bold
                color: Theme.ink
            }
        }
        Row {
            width: parent.width
            spacing: 16 * b.u
            BigButton {
                objectName: "searchButton"
                u: b.u
                width: (parent.width - 16 * b.u) * 0.42
                filled: false
                textSize: 24 * b.u
                text: qsTr("Add an item")
                sub: qsTr("not recognised?")
                onClicked: b.searchRequested()
            }
            BigButton {
                objectName: "payButton"
                u: b.u
                width: (parent.width - 16 * b.u) * 0.58
                tint: Theme.go
                textSize: 32 * b.u
                enabled: b.checkout !== null && b.checkout.canPay
                text: qsTr("Pay") + "  " + (b.checkout ? b.checkout.total : "")
                onClicked: b.payRequested()
            }
        }
    }
}
