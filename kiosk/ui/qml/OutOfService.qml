import QtQuick

// A device failed: calm, clear, what to do. Details are for staff, small.
Item {
    id: s
    property real u: 1
    property QtObject checkout
    Column {
        anchors.centerIn: parent
        spacing: 32 * s.u
        width: 1200 * s.u
        Rectangle {
            anchors.horizontalCenter: parent.horizontalCenter
            width: 150 * s.u; height: width; radius: width / 2
            color: Theme.stopSoft
            Text { anchors.centerIn: parent; text: "||"; color: Theme.stop
                   font.family: Theme.font; font.pixelSize: 64 * s.u; font.weight: Font.Bold }
        }
        Text {
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            text: qsTr("This checkout is paused")
            font.family: Theme.font; font.pixelSize: 64 * s.u; font.weight: Font.Bold
            color: Theme.ink
        }
        Text {
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
            text: qsTr("Please use another checkout, or ask a member of staff. Your items on the tray are safe; nothing has been charged.")
            font.family: Theme.font; font.pixelSize: 32 * s.u
            color: Theme.muted
        }
        Rectangle {
            anchors.horizontalCenter: parent.horizontalCenter
            width: detail.implicitWidth + 48 * s.u; height: detail.implicitHeight + 24 * s.u
            radius: 12 * s.u
            color: Theme.card
            Text {
                id: detail
                anchors.centerIn: parent
                text: qsTr("For staff: %1").arg(s.checkout ? s.checkout.faultDetail : "")
                font.family: Theme.font; font.pixelSize: 20 * s.u
                color: Theme.muted
            }
        }
    }
}
