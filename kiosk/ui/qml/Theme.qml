pragma Singleton
import QtQuick

QtObject {
    // Calm colours: warm paper, deep ink, one green for "go", amber for "please look".
    readonly property color paper: "#f4f1ea"
    readonly property color card: "#ffffff"
    readonly property color ink: "#1d2329"
    readonly property color muted: "#66707a"
    readonly property color line: "#e3ded3"
    readonly property color brand: "#17677a"
    readonly property color brandSoft: "#e1eef0"
    readonly property color go: "#1f8a5b"
    readonly property color goPressed: "#186e48"
    readonly property color ask: "#e0962b"
    readonly property color askSoft: "#fdf1dc"
    readonly property color stop: "#c4513b"
    readonly property color stopSoft: "#f9e3de"
    readonly property color staff: "#2f3a4a"
    readonly property string font: "Noto Sans CJK SC"
}
