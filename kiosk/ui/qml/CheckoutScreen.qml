import QtQuick

// Placing, review and assist: the camera with guidance, the basket beside it.
Item {
    id: s
    property real u: 1
    property QtObject checkout
    property QtObject camera
    signal searchRequested()
    signal payRequested()

    CameraPanel {
        id: cam
        anchors.left: parent.left
        anchors.top: parent.top
        anchors.bottom: parent.bottom
        anchors.right: basket.left
        anchors.margins: 24 * s.u
        anchors.rightMargin: 20 * s.u
        u: s.u
        checkout: s.checkout
        camera: s.camera
        onSearchRequested: s.searchRequested()
    }
    BasketPanel {
        id: basket
        anchors.right: parent.right
        anchors.top: parent.top
        anchors.bottom: parent.bottom
        anchors.margins: 24 * s.u
        anchors.leftMargin: 0
        width: Math.max(parent.width * 0.36, 560 * s.u)
        u: s.u
        checkout: s.checkout
        onSearchRequested: s.searchRequested()
        onPayRequested: s.payRequested()
    }
}
