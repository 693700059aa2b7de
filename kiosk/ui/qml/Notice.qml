import QtQuick

// A short message that fades by itself (e.g. why paying is not possible yet).
Rectangle {
    id: n
    property real u: 1
    property string text: ""
    visible: text !== ""
    width: Math.min(msg.implicitWidth + 64 * u, 1200 * u)
    height: msg.implicitHeight + 36 * u
    radius: height / 2
    color: Theme.ink
    opacity: 0.92
    Text {
        id: msg
        anchors.centerIn: parent
        width: Math.min(implicitWidth, 1140 * n.u)
        text: n.text
        color: "white"
        font.family: Theme.font
        font.pixelSize: 24 * n.u
        wrapMode: Text.WordWrap
        horizontalAlignment: Text.AlignHCenter
    }
}
