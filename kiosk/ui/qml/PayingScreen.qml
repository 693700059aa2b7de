import QtQuick
import QtQuick.Controls

// Waiting for the payment terminal; the shopper can always cancel.
Item {
    id: s
    property real u: 1
    property QtObject checkout
    readonly property bool qr: checkout !== null && checkout.paymentMethod === "qr"
    Column {
        anchors.centerIn: parent
        spacing: 36 * s.u
        Text {
            anchors.horizontalCenter: parent.horizontalCenter
            text: s.qr ? qsTr("Scan to pay with your phone") : qsTr("Tap or insert your card")
            font.family: Theme.font; font.pixelSize: 56 * s.u; font.weight: Font.Bold
            color: Theme.ink
        }
        Text {
            anchors.horizontalCenter: parent.horizontalCenter
            text: s.checkout ? s.checkout.paymentAmount : ""
            font.family: Theme.font; font.pixelSize: 96 * s.u; font.weight: Font.Bold
            color: Theme.go
        }
        Rectangle {
            anchors.horizontalCenter: parent.horizontalCenter
            width: 360 * s.u; height: 220 * s.u; radius: 24 * s.u
            color: Theme.card
            border.width: 3 * s.u; border.color: Theme.line
            Column {
                anchors.centerIn: parent
                spacing: 16 * s.u
                BusyIndicator {
                    anchors.horizontalCenter: parent.horizontalCenter
                    width: 88 * s.u; height: 88 * s.u
                    running: s.visible
                }
                Text {
                    anchors.horizontalCenter: parent.horizontalCenter
                    width: 320 * s.u
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.WordWrap
                    text: s.qr ? qsTr("Show your payment code to the scanner below the screen")
                               : qsTr("Follow the instructions on the card terminal")
                    font.family: Theme.font; font.pixelSize: 22 * s.u
                    color: Theme.muted
                }
            }
        }
        BigButton {
            objectName: "cancelPayment"
            anchors.horizontalCenter: parent.horizontalCenter
            u: s.u
            width: 360 * s.u
            filled: false
            tint: Theme.stop
            text: qsTr("Cancel payment")
            onClicked: s.checkout.cancelPayment()
        }
    }
}
