import QtQuick
import QtQuick.Window

// The kiosk window. View models come from Python (kiosk.app) as required properties.
Window {
    id: win
    required property QtObject checkout
    required property QtObject camera
    required property QtObject search
    required property QtObject staff
    required property QtObject diagnostics
    required property QtObject lang
    property QtObject simulator: null   // the demo's simulator panel, when shown
    required property bool showSimulator

    width: 1920
    height: 1080
    color: Theme.paper
    title: qsTr("Self-checkout")

    Row {
        anchors.fill: parent
        KioskScreen {
            id: kiosk
            width: win.showSimulator ? parent.width - sim.width : parent.width
            height: parent.height
            checkout: win.checkout
            camera: win.camera
            search: win.search
            staff: win.staff
            diagnostics: win.diagnostics
            lang: win.lang
        }
        Loader {
            id: sim
            active: win.showSimulator && win.simulator !== null
            width: active ? 440 : 0
            height: parent.height
            sourceComponent: SimPanel {
                simulator: win.simulator
            }
        }
    }
}
