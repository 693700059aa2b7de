import QtQuick

// Text in the house font.
Text {
    property real u: 1
    property real size: 24
    font.family: Theme.font
    font.pixelSize: size * u
    color: Theme.ink
    wrapMode: Text.WordWrap
}
