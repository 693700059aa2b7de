import QtQuick

// How would you like to pay?
Rectangle {
    id: s
    property real u: 1
    property QtObject checkout
    signal closed()
    color: "#991d2329"
    MouseArea { anchors.fill: parent; onClicked: s.closed() }
    Rectangle {
        anchors.centerIn: parent
        width: 1040 * s.u; height: 560 * s.u
        radius: 28 * s.u
        color: Theme.card
        MouseArea { anchors.fill: parent }
        Column {
            anchors.centerIn: parent
            spacing: 40 * s.u
            Text {
                anchors.horizontalCenter: parent.horizontalCenter
                text: qsTr("How would you like to pay?")
                font.family: Theme.font; font.pixelSize: 44 * s.u; font.weight: Font.Bold
                color: Theme.ink
            }
            Text {
                anchors.horizontalCenter: parent.horizontalCenter
                text: s.checkout ? s.checkout.total : ""
                font.family: Theme.font; font.pixelSize: 64 * s.u; font.weight: Font.Bold
                color: Theme.go
            }
            Row {
                spacing: 32 * s.u
                BigButton {
                    objectName: "payQr"
                    u: s.u
                    width: 440 * s.u; height: 150 * s.u
                    tint: Theme.go
                    text: qsTr("QR code")
                    sub: qsTr("Alipay · WeChat Pay")
                    textSize: 36 * s.u
                    onClicked: { s.checkout.pay("qr"); s.closed() }
                }
                BigButton {
                    objectName: "payCard"
                    u: s.u
                    width: 440 * s.u; height: 150 * s.u
                    tint: Theme.brand
                    text: qsTr("Bank card")
                    sub: qsTr("UnionPay · tap or insert")
                    textSize: 36 * s.u
                    onClicked: { s.checkout.pay("card"); s.closed() }
                }
            }
            BigButton {
                anchors.horizontalCenter: parent.horizontalCenter
                u: s.u
                filled: false
                tint: Theme.muted
                text: qsTr("Back")
                onClicked: s.closed()
            }
        }
    }
}
