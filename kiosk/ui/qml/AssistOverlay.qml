import QtQuick

// Staff needed: say why, and that someone is coming.
Rectangle {
    id: s
    property real u: 1
    property QtObject checkout
    readonly property string reason: checkout ? checkout.assistReason : ""
    color: "#8c1d2329"
    MouseArea { anchors.fill: parent }
    Rectangle {
        anchors.centerIn: parent
        width: 1000 * s.u
        height: col.implicitHeight + 96 * s.u
        radius: 28 * s.u
        color: Theme.card
        Column {
            id: col
            anchors.centerIn: parent
            width: parent.width - 96 * s.u
            spacing: 28 * s.u
            Rectangle {
                anchors.horizontalCenter: parent.horizontalCenter
                width: 120 * s.u; height: width; radius: width / 2
                color: Theme.brandSoft
                Text { anchors.centerIn: parent; text: "☎"; color: Theme.brand
                       font.family: Theme.font; font.pixelSize: 60 * s.u }
            }
            Text {
                width: parent.width
                horizontalAlignment: Text.AlignHCenter
                text: qsTr("A member of staff is on the way")
                font.family: Theme.font; font.pixelSize: 48 * s.u; font.weight: Font.Bold
                color: Theme.ink
                wrapMode: Text.WordWrap
            }
            Text {
                width: parent.width
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: 30 * s.u
                color: Theme.muted
                text: s.reason === "age_check" ? qsTr("Your basket has an item that needs an age check. Please have your ID ready.")
                    : s.reason === "help_requested" ? qsTr("You asked for help. Please wait here.")
                    : s.reason === "unresolved" || s.reason === "weight_mismatch" ? qsTr("We could not check every item. Staff will sort it out; please leave the items on the tray.")
                    : s.reason === "unattended" ? qsTr("This basket has been waiting for a while.")
                    : qsTr("Please wait a moment.")
            }
        }
    }
}
