import QtQuick

// Paid: receipt choice, then thank you and "take your items".
Item {
    id: s
    property real u: 1
    property QtObject checkout
    readonly property string choice: checkout ? checkout.receiptChoice : ""
    Column {
        anchors.centerIn: parent
        spacing: 22 * s.u
        Rectangle {
            anchors.horizontalCenter: parent.horizontalCenter
            width: 112 * s.u; height: width; radius: width / 2
            color: Theme.go
            Text { anchors.centerIn: parent; text: "✓"; color: "white"
                   font.family: Theme.font; font.pixelSize: 70 * s.u; font.weight: Font.Bold }
        }
        Text {
            anchors.horizontalCenter: parent.horizontalCenter
            text: s.choice === "" ? qsTr("Payment complete") : qsTr("Thank you!")
            font.family: Theme.font; font.pixelSize: 56 * s.u; font.weight: Font.Bold
            color: Theme.ink
        }
        Text {
            anchors.horizontalCenter: parent.horizontalCenter
            text: s.checkout ? qsTr("Paid %1 · Sale %2").arg(s.checkout.paidTotal).arg(s.checkout.saleId) : ""
            font.family: Theme.font; font.pixelSize: 28 * s.u
            color: Theme.muted
        }
        Row {
            visible: s.choice === ""
            anchors.horizontalCenter: parent.horizontalCenter
            spacing: 28 * s.u
            BigButton {
                objectName: "receiptPrint"
                u: s.u; width: 360 * s.u; height: 130 * s.u
                tint: Theme.brand
                text: qsTr("Print receipt")
                textSize: 32 * s.u
                onClicked: s.checkout.chooseReceipt("print")
            }
            BigButton {
                objectName: "receiptQr"
                u: s.u; width: 360 * s.u; height: 130 * s.u
                tint: Theme.brand
                text: qsTr("E-receipt")
                sub: qsTr("QR code for your phone")
                textSize: 32 * s.u
                onClicked: s.checkout.chooseReceipt("qr")
            }
            BigButton {
                objectName: "receiptNone"
                u: s.u; width: 300 * s.u; height: 130 * s.u
                filled: false
                tint: Theme.muted
                text: qsTr("No receipt")
                textSize: 30 * s.u
                onClicked: s.checkout.chooseReceipt("none")
            }
        }
        Image {
            visible: s.choice === "qr" && source !== ""
            anchors.horizontalCenter: parent.horizontalCenter
            width: 250 * s.u; height: 250 * s.u
            source: s.checkout ? s.checkout.qrCode : ""
            fillMode: Image.PreserveAspectFit
            smooth: false
        }
        Text {
            visible: s.choice !== ""
            anchors.horizontalCenter: parent.horizontalCenter
            text: s.choice === "print" ? qsTr("Your receipt is printing below the screen.")
                : (s.choice === "qr" ? qsTr("Scan the code to keep your receipt on your phone.") : "")
            font.family: Theme.font; font.pixelSize: 28 * s.u
            color: Theme.ink
        }
        Text {
            visible: s.choice !== ""
            anchors.horizontalCenter: parent.horizontalCenter
            text: qsTr("Please take your items. Have a nice day!")
            font.family: Theme.font; font.pixelSize: 34 * s.u; font.weight: Font.DemiBold
            color: Theme.go
        }
        BigButton {
            objectName: "receiptDone"
            visible: s.choice !== "" && !(s.checkout && s.checkout.receiptDone)
            anchors.horizontalCenter: parent.horizontalCenter
            u: s.u; width: 320 * s.u
            tint: Theme.go
            text: qsTr("Done")
            onClicked: s.checkout.finishReceipt()
        }
    }
}
