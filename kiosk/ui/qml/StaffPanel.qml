import QtQuick
import QtQuick.Controls
import Kiosk

// Staff mode: the sale (approve, void, override, cancel) and maintenance.
Rectangle {
    id: sp
    property real u: 1
    property QtObject staff
    property QtObject checkout
    property QtObject camera
    property QtObject diagnostics
    property int tab: 0
    property string overrideReason: ""
    color: Theme.paper
    MouseArea { anchors.fill: parent }

    Rectangle {
        id: bar
        width: parent.width; height: 104 * sp.u
        color: Theme.staff
        Text {
            anchors.left: parent.left; anchors.leftMargin: 32 * sp.u
            anchors.verticalCenter: parent.verticalCenter
            text: qsTr("Staff mode") + "  ·  " + (sp.staff ? sp.staff.staff : "")
            color: "white"
            font.family: Theme.font; font.pixelSize: 32 * sp.u; font.weight: Font.DemiBold
        }
        BigButton {
            objectName: "staffLeave"
            anchors.right: parent.right; anchors.rightMargin: 24 * sp.u
            anchors.verticalCenter: parent.verticalCenter
            u: sp.u; implicitHeight: 72 * sp.u
            tint: "#4a5a70"
            text: qsTr("Leave staff mode")
            onClicked: sp.staff.logout()
        }
    }
    Row {
        id: tabs
        anchors.top: bar.bottom
        anchors.left: parent.left
        anchors.margins: 24 * sp.u
        spacing: 12 * sp.u
        Repeater {
            model: [qsTr("Sale"), qsTr("Scale"), qsTr("Camera"), qsTr("Diagnostics"), qsTr("History"),
                    qsTr("Models")]
            delegate: BigButton {
                required property string modelData
                required property int index
                objectName: "staffTab" + index
                u: sp.u
                width: 220 * sp.u
                implicitHeight: 80 * sp.u
                filled: sp.tab === index
                tint: Theme.staff
                text: modelData
                onClicked: {
                    sp.tab = index
                    if (index === 4) sp.staff.refreshHistory()
                    if (index === 5) sp.staff.refreshModels()
                }
            }
        }
    }
    Text {
        anchors.right: parent.right; anchors.rightMargin: 32 * sp.u
        anchors.verticalCenter: tabs.verticalCenter
        width: parent.width - tabs.width - 80 * sp.u
        horizontalAlignment: Text.AlignRight
        elide: Text.ElideRight
        visible: sp.tab !== 2  // the camera page shows its answers in full, under its steps
        text: sp.staff ? sp.staff.message : ""
        font.family: Theme.font; font.pixelSize: 22 * sp.u
        color: Theme.muted
    }

    Item {
        id: page
        anchors.top: tabs.bottom
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        anchors.margins: 24 * sp.u

        // ---- the sale ----
        Row {
            visible: sp.tab === 0
            anchors.fill: parent
            spacing: 24 * sp.u
            Rectangle {
                width: parent.width * 0.55; height: parent.height
                radius: 20 * sp.u; color: Theme.card
                Column {
                    anchors.fill: parent; anchors.margins: 24 * sp.u
                    spacing: 12 * sp.u
                    Text {
                        readonly property var reasons: ({
                            "age_check": qsTr("age check"), "unresolved": qsTr("items not resolved"),
                            "weight_mismatch": qsTr("weight does not match"), "help_requested": qsTr("shopper asked for help"),
                            "payment_uncertain": qsTr("payment outcome unknown"), "payment_problem": qsTr("payment problem"),
                            "unattended": qsTr("basket left unattended")
                        })
                        text: sp.checkout ? qsTr("Sale %1 · %2").arg(sp.checkout.saleId || "-")
                                               .arg(reasons[sp.checkout.assistReason] || sp.checkout.phase) : ""
                        font.family: Theme.font; font.pixelSize: 24 * sp.u
                        color: Theme.muted
                    }
                    ListView {
                        id: lines
                        width: parent.width; height: parent.height - 120 * sp.u
                        clip: true
                        spacing: 8 * sp.u
                        model: sp.checkout ? sp.checkout.basketModel : null
                        delegate: Rectangle {
                            id: ln
                            required property int lineId
                            required property string name
                            required property int quantity
                            required property string lineTotal
                            required property bool needsAge
                            width: lines.width; height: 84 * sp.u; radius: 12 * sp.u
                            color: needsAge ? Theme.askSoft : Theme.paper
                            Text {
                                anchors.left: parent.left; anchors.leftMargin: 16 * sp.u
                                anchors.verticalCenter: parent.verticalCenter
                                width: parent.width - 360 * sp.u
                                elide: Text.ElideRight
                                text: ln.name + "  ×" + ln.quantity + "   " + ln.lineTotal
                                font.family: Theme.font; font.pixelSize: 24 * sp.u
                                color: Theme.ink
                            }
                            BigButton {
                                objectName: "void_" + ln.lineId
                                anchors.right: parent.right; anchors.rightMargin: 10 * sp.u
                                anchors.verticalCenter: parent.verticalCenter
                                u: sp.u; implicitHeight: 64 * sp.u; width: 180 * sp.u
                                filled: false; tint: Theme.stop; textSize: 22 * sp.u
                                text: qsTr("Void line")
                                onClicked: sp.staff.voidLine(ln.lineId, "voided by staff")
                            }
                        }
                    }
                    Text {
                        text: sp.checkout ? qsTr("Total") + "  " + sp.checkout.total : ""
                        font.family: Theme.font; font.pixelSize: 34 * sp.u; font.weight: Font.Bold
                        color: Theme.ink
                    }
                }
            }
            Column {
                width: parent.width * 0.45 - 24 * sp.u
                spacing: 18 * sp.u
                BigButton {
                    objectName: "approveAge"
                    u: sp.u; width: parent.width
                    tint: Theme.go
                    enabled: sp.checkout !== null && sp.checkout.needsAgeCheck
                    text: qsTr("Approve age check")
                    sub: qsTr("I have seen the shopper's ID")
                    onClicked: sp.staff.approveAge()
                }
                Text {
                    text: qsTr("Override the weight check — reason:")
                    font.family: Theme.font; font.pixelSize: 22 * sp.u
                    color: Theme.ink
                }
                Flow {
                    width: parent.width
                    spacing: 10 * sp.u
                    Repeater {
                        model: [qsTr("Items checked by staff"), qsTr("Shopper's own item on tray"), qsTr("Damaged packaging")]
                        delegate: BigButton {
                            required property string modelData
                            u: sp.u; implicitHeight: 68 * sp.u; textSize: 20 * sp.u
                            filled: sp.overrideReason === modelData
                            tint: Theme.staff
                            text: modelData
                            onClicked: sp.overrideReason = modelData
                        }
                    }
                }
                BigButton {
                    objectName: "override"
                    u: sp.u; width: parent.width
                    tint: Theme.ask
                    enabled: sp.overrideReason !== ""
                    text: qsTr("Override and continue")
                    onClicked: { sp.staff.override(sp.overrideReason); sp.overrideReason = "" }
                }
                BigButton {
                    objectName: "resume"
                    u: sp.u; width: parent.width
                    filled: false; tint: Theme.brand
                    text: qsTr("Back to the shopper")
                    onClicked: sp.staff.resume()
                }
                BigButton {
                    objectName: "cancelSale"
                    u: sp.u; width: parent.width
                    filled: false; tint: Theme.stop
                    text: qsTr("Cancel the sale")
                    onClicked: sp.staff.cancelSale("cancelled at the kiosk")
                }
            }
        }

        // ---- the scale ----
        Column {
            visible: sp.tab === 1
            spacing: 24 * sp.u
            Text {
                text: sp.checkout ? sp.checkout.scaleText : ""
                font.family: Theme.font; font.pixelSize: 96 * sp.u; font.weight: Font.Bold
                color: sp.checkout && sp.checkout.scaleStable ? Theme.ink : Theme.ask
            }
            Text {
                text: sp.checkout && sp.checkout.scaleStable ? qsTr("stable") : qsTr("moving")
                font.family: Theme.font; font.pixelSize: 28 * sp.u
                color: Theme.muted
            }
            BigButton {
                objectName: "zeroScale"
                u: sp.u; width: 420 * sp.u
                tint: Theme.staff
                text: qsTr("Zero the scale")
                sub: qsTr("with the tray empty")
                onClicked: sp.staff.zeroScale()
            }
            Text {
                text: qsTr("Calibrate: put a reference weight on the tray, then choose it")
                font.family: Theme.font; font.pixelSize: 24 * sp.u
                color: Theme.ink
            }
            Row {
                spacing: 16 * sp.u
                Repeater {
                    model: [200, 500, 1000, 2000]
                    delegate: BigButton {
                        required property int modelData
                        objectName: "calibrate" + modelData
                        u: sp.u; width: 200 * sp.u
                        filled: false; tint: Theme.staff
                        text: modelData + " g"
                        onClicked: sp.staff.calibrate(modelData)
                    }
                }
            }
        }

        // ---- the camera ----
        Row {
            visible: sp.tab === 2
            anchors.fill: parent
            spacing: 24 * sp.u
            Rectangle {
                width: parent.width * 0.68; height: width * 9 / 16
                color: "#1d2329"; radius: 16 * sp.u
                CameraFrame {
                    anchors.fill: parent; anchors.margins: 4 * sp.u
                    feed: sp.tab === 2 && sp.visible ? sp.camera : null
                }
                Rectangle {
                    // the tray region the motion check watches (vision.tray_region)
                    readonly property var r: sp.diagnostics ? sp.diagnostics.trayRegion : [0, 0, 1, 1]
                    x: 4 * sp.u + r[0] * (parent.width - 8 * sp.u)
                    y: 4 * sp.u + r[1] * (parent.height - 8 * sp.u)
                    width: (r[2] - r[0]) * (parent.width - 8 * sp.u)
                    height: (r[3] - r[1]) * (parent.height - 8 * sp.u)
                    color: "transparent"
                    border.width: 4 * sp.u; border.color: Theme.ask
                }
            }
            Column {
                width: parent.width * 0.32 - 24 * sp.u
                spacing: 18 * sp.u
                Text {
                    width: parent.width
                    wrapMode: Text.WordWrap
                    text: qsTr("The amber frame is the tray region watched for movement.")
                    font.family: Theme.font; font.pixelSize: 22 * sp.u
                    color: Theme.ink
                }
                BigButton {
                    objectName: "captureEmpty"
                    u: sp.u; width: parent.width
                    tint: Theme.staff
                    text: qsTr("Save empty-tray reference")
                    sub: qsTr("clear the tray first")
                    onClicked: sp.staff.captureEmptyTray()
                }
                // The fitter's calibration (the size check measures items with it):
                // the same card pictures `kiosk calibrate-camera` reads.
                Text {
                    width: parent.width
                    wrapMode: Text.WordWrap
                    topPadding: 12 * sp.u
                    text: qsTr("Camera calibration: lay the printed card on the empty tray, then on the 100 mm block.")
                    font.family: Theme.font; font.pixelSize: 22 * sp.u
                    color: Theme.ink
                }
                BigButton {
                    objectName: "takeCardFlat"
                    u: sp.u; width: parent.width
                    filled: false; tint: Theme.staff
                    text: qsTr("1. Card lying flat")
                    sub: qsTr("take the picture")
                    onClicked: sp.staff.takeCardPicture("flat")
                }
                BigButton {
                    objectName: "takeCardRaised"
                    u: sp.u; width: parent.width
                    filled: false; tint: Theme.staff
                    text: qsTr("2. Card on the block")
                    sub: qsTr("take the picture")
                    onClicked: sp.staff.takeCardPicture("raised")
                }
                BigButton {
                    objectName: "calibrateCamera"
                    u: sp.u; width: parent.width
                    tint: Theme.staff
                    text: qsTr("3. Calibrate the camera")
                    onClicked: sp.staff.calibrateCamera()
                }
                Text {
                    objectName: "cameraAnswer"
                    width: parent.width
                    wrapMode: Text.WordWrap
                    text: sp.staff ? sp.staff.message : ""
                    font.family: Theme.font; font.pixelSize: 22 * sp.u
                    color: text.startsWith("failed") ? Theme.stop : Theme.ink
                }
            }
        }

        // ---- diagnostics ----
        ListView {
            visible: sp.tab === 3
            anchors.fill: parent
            clip: true
            spacing: 8 * sp.u
            model: sp.diagnostics ? sp.diagnostics.rowModel : null
            delegate: InfoLine { u: sp.u; width: ListView.view.width }
        }

        // ---- model releases: which serves, switch, roll back ----
        Column {
            visible: sp.tab === 5
            anchors.fill: parent
            spacing: 16 * sp.u
            Row {
                spacing: 24 * sp.u
                Text {
                    width: 900 * sp.u
                    anchors.verticalCenter: parent.verticalCenter
                    wrapMode: Text.WordWrap
                    text: qsTr("Installed recognition models. A model is checked on this kiosk before it serves; the one it replaces is kept to roll back to.")
                    font.family: Theme.font; font.pixelSize: 22 * sp.u
                    color: Theme.muted
                }
                BigButton {
                    objectName: "rollBackModel"
                    u: sp.u
                    width: 360 * sp.u
                    implicitHeight: 80 * sp.u
                    tint: Theme.staff
                    enabled: sp.staff && !sp.staff.busy
                    text: qsTr("Roll back")
                    onClicked: sp.staff.rollBackModel()
                }
            }
            ListView {
                objectName: "modelList"
                width: parent.width
                height: parent.height - 112 * sp.u
                clip: true; spacing: 8 * sp.u
                model: sp.staff ? sp.staff.modelsModel : null
                delegate: Item {
                    id: release
                    required property string label
                    required property string value
                    required property string level
                    required property string detail
                    width: ListView.view.width
                    height: line.height
                    InfoLine {
                        id: line
                        u: sp.u
                        width: parent.width - 300 * sp.u
                        label: release.label
                        value: release.value === "active" ? qsTr("serving")
                             : release.value === "previous" ? qsTr("previous")
                             : release.value === "refused" ? qsTr("refused") : ""
                        level: release.level
                        detail: release.detail
                    }
                    BigButton {
                        anchors.right: parent.right
                        anchors.verticalCenter: parent.verticalCenter
                        u: sp.u
                        width: 280 * sp.u
                        implicitHeight: 64 * sp.u
                        visible: release.value === "available" || release.value === "previous"
                        enabled: sp.staff && !sp.staff.busy
                        tint: Theme.staff
                        objectName: "serve_" + release.label
                        text: qsTr("Serve this one")
                        onClicked: sp.staff.useModel(release.label)
                    }
                }
            }
        }

        // ---- history ----
        Row {
            visible: sp.tab === 4
            anchors.fill: parent
            spacing: 24 * sp.u
            ListView {
                width: parent.width * 0.45; height: parent.height
                clip: true; spacing: 8 * sp.u
                header: Text { text: qsTr("Sales"); height: 56 * sp.u
                               font.family: Theme.font; font.pixelSize: 28 * sp.u; font.weight: Font.Bold }
                model: sp.staff ? sp.staff.historyModel : null
                delegate: InfoLine { u: sp.u; width: ListView.view.width }
            }
            ListView {
                width: parent.width * 0.55 - 24 * sp.u; height: parent.height
                clip: true; spacing: 8 * sp.u
                header: Text { text: qsTr("Audit log"); height: 56 * sp.u
                               font.family: Theme.font; font.pixelSize: 28 * sp.u; font.weight: Font.Bold }
                model: sp.staff ? sp.staff.auditModel : null
                delegate: InfoLine { u: sp.u; width: ListView.view.width }
            }
        }
    }
}
