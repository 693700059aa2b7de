import QtQuick
import QtQuick.Controls

// A touch button: at least 64 px high at 1080p, clear pressed and disabled states.
AbstractButton {
    id: b
    property real u: 1
    property color tint: Theme.brand
    property bool filled: true
    property string sub: ""
    property real textSize: 28 * u
    implicitHeight: Math.max(88 * u, 56)
    implicitWidth: Math.max(label.implicitWidth + 64 * u, 160 * u)
    opacity: enabled ? 1 : 0.45
    background: Rectangle {
        radius: 16 * b.u
        color: b.filled ? (b.down ? Qt.darker(b.tint, 1.2) : b.tint) : (b.down ? Theme.line : Theme.card)
        border.width: b.filled ? 0 : 2 * b.u
        border.color: b.tint
    }
    contentItem: Item {
        Column {
            anchors.centerIn: parent
            width: parent.width
            spacing: 2 * b.u
            Text {
                id: label
                width: parent.width
                text: b.text
                color: b.filled ? "white" : b.tint
                font.family: Theme.font
                font.pixelSize: b.textSize
                font.weight: Font.DemiBold
                horizontalAlignment: Text.AlignHCenter
                elide: Text.ElideRight
            }
            Text {
                visible: b.sub !== ""
                width: parent.width
                text: b.sub
                color: b.filled ? "#e8f3ee" : Theme.muted
                font.family: Theme.font
                font.pixelSize: b.textSize * 0.6
                horizontalAlignment: Text.AlignHCenter
                elide: Text.ElideRight
            }
        }
    }
    leftPadding: 16 * u
    rightPadding: 16 * u
}
