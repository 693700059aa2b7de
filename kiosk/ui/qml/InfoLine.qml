import QtQuick

// One row of a staff list: label, value, a state dot, a detail line.
Rectangle {
    id: r
    required property string label
    required property string value
    required property string level
    required property string detail
    property real u: 1
    height: (detail !== "" ? 84 : 60) * u
    radius: 10 * u
    color: Theme.card
    Rectangle {
        id: dot
        anchors.left: parent.left; anchors.leftMargin: 16 * r.u
        anchors.verticalCenter: parent.verticalCenter
        width: 14 * r.u; height: width; radius: width / 2
        color: r.level === "ok" ? Theme.go : r.level === "warn" ? Theme.ask
             : r.level === "fault" ? Theme.stop : Theme.line
    }
    Column {
        anchors.left: dot.right; anchors.leftMargin: 16 * r.u
        anchors.right: parent.right; anchors.rightMargin: 16 * r.u
        anchors.verticalCenter: parent.verticalCenter
        Row {
            width: parent.width
            Text { width: parent.width * 0.4; text: r.label; elide: Text.ElideRight
                   font.family: Theme.font; font.pixelSize: 22 * r.u; color: Theme.muted }
            Text { width: parent.width * 0.6; text: r.value; elide: Text.ElideRight
                   font.family: Theme.font; font.pixelSize: 22 * r.u; color: Theme.ink }
        }
        Text { visible: r.detail !== ""; width: parent.width; text: r.detail; elide: Text.ElideRight
               font.family: Theme.font; font.pixelSize: 18 * r.u; color: Theme.muted }
    }
}
