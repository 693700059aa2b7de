import QtQuick
import QtQuick.Controls

// One kiosk screen: the header, the screen for the checkout's phase, and overlays.
Item {
    id: root
    property QtObject checkout
    property QtObject camera
    property QtObject search
    property QtObject staff
    property QtObject diagnostics
    property QtObject lang
    readonly property real u: Math.min(width / 1920, height / 1080)
    readonly property string phase: checkout ? checkout.phase : "idle"
    property bool searching: false
    property bool choosingPayment: false
    clip: true

    onPhaseChanged: {
        if (phase !== "review") { choosingPayment = false }
        if (phase === "idle" || phase === "paying" || phase === "receipt" || phase === "out_of_service") {
            searching = false
        }
    }

    Rectangle { anchors.fill: parent; color: Theme.paper }

    Header {
        id: header
        width: parent.width
        u: root.u
        checkout: root.checkout
        staff: root.staff
        lang: root.lang
        onHelp: root.checkout.callHelp()
    }

    Item {
        id: body
        anchors.top: header.bottom
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom

        WelcomeScreen {
            anchors.fill: parent
            visible: root.phase === "idle"
            u: root.u
            lang: root.lang
        }
        CheckoutScreen {
            anchors.fill: parent
            visible: root.phase === "placing" || root.phase === "review" || root.phase === "assist"
            u: root.u
            checkout: root.checkout
            camera: root.camera
            onSearchRequested: root.searching = true
            onPayRequested: root.choosingPayment = true
        }
        PayingScreen {
            anchors.fill: parent
            visible: root.phase === "paying"
            u: root.u
            checkout: root.checkout
        }
        ReceiptScreen {
            anchors.fill: parent
            visible: root.phase === "receipt"
            u: root.u
            checkout: root.checkout
        }
        OutOfService {
            anchors.fill: parent
            visible: root.phase === "out_of_service"
            u: root.u
            checkout: root.checkout
        }
    }

    AssistOverlay {
        anchors.fill: body
        visible: root.phase === "assist" && !(root.staff && root.staff.loggedIn)
        u: root.u
        checkout: root.checkout
    }
    PaySheet {
        anchors.fill: parent
        visible: root.choosingPayment && root.phase === "review"
        u: root.u
        checkout: root.checkout
        onClosed: root.choosingPayment = false
    }
    SearchSheet {
        anchors.fill: parent
        visible: root.searching
        u: root.u
        search: root.search
        onPicked: function(sku) { root.checkout.pick(sku); root.searching = false }
        onClosed: root.searching = false
    }
    Notice {
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 40 * root.u
        u: root.u
        text: root.checkout ? root.checkout.notice : ""
    }
    PinPad {
        anchors.fill: parent
        visible: root.staff !== null && root.staff.open && !root.staff.loggedIn
        u: root.u
        staff: root.staff
    }
    StaffPanel {
        anchors.fill: parent
        visible: root.staff !== null && root.staff.loggedIn
        u: root.u
        staff: root.staff
        checkout: root.checkout
        camera: root.camera
        diagnostics: root.diagnostics
    }
}
