import QtQuick
import QtQuick.Controls

// Staff login: staff number and PIN (a badge scan fills the number).
Rectangle {
    id: p
    property real u: 1
    property QtObject staff
    property string staffId: ""
    property string pin: ""
    property bool enteringPin: false
    property string seenMessage: ""
    color: "#cc1d2329"
    MouseArea { anchors.fill: parent }

    onVisibleChanged: { staffId = staff ? staff.pendingStaffId : ""; pin = ""; enteringPin = staffId !== "" }
    Connections {
        target: p.staff
        function onChanged() {
            if (p.staff.pendingStaffId !== "" && p.staffId !== p.staff.pendingStaffId) {
                p.staffId = p.staff.pendingStaffId; p.enteringPin = true; p.pin = ""
            }
            if (p.staff.message !== p.seenMessage) {
                // a new verdict on the last PIN: start the next one from empty
                p.seenMessage = p.staff.message
                if (p.staff.message !== "") p.pin = ""
            }
        }
    }

    function press(k) {
        if (k === "⌫") {
            if (enteringPin) pin = pin.slice(0, -1); else staffId = staffId.slice(0, -1)
        } else if (k === "OK") {
            if (!enteringPin && staffId !== "") { enteringPin = true }
            else if (enteringPin && pin.length >= 4) { staff.login("S" + staffId.replace(/^S/, ""), pin) }
        } else if (enteringPin) {
            if (pin.length < 8) pin += k
        } else if (staffId.length < 6) {
            staffId += k
        }
    }

    Rectangle {
        anchors.centerIn: parent
        width: 640 * p.u; height: 900 * p.u
        radius: 28 * p.u
        color: Theme.card
        Column {
            anchors.fill: parent
            anchors.margins: 36 * p.u
            spacing: 18 * p.u
            Text {
                text: qsTr("Staff login")
                font.family: Theme.font; font.pixelSize: 40 * p.u; font.weight: Font.Bold
                color: Theme.staff
            }
            Text {
                text: p.enteringPin ? qsTr("Staff %1 — enter your PIN").arg(p.staffId)
                                    : qsTr("Enter your staff number (or scan your badge)")
                font.family: Theme.font; font.pixelSize: 24 * p.u
                color: Theme.muted
            }
            Rectangle {
                width: parent.width; height: 88 * p.u; radius: 14 * p.u
                color: Theme.paper
                Text {
                    objectName: "pinDisplay"
                    anchors.centerIn: parent
                    text: p.enteringPin ? "●".repeat(p.pin.length) : p.staffId
                    font.family: Theme.font; font.pixelSize: 44 * p.u; font.letterSpacing: 12 * p.u
                    color: Theme.ink
                }
            }
            Text {
                objectName: "pinMessage"
                width: parent.width
                height: 36 * p.u
                wrapMode: Text.WordWrap
                font.family: Theme.font; font.pixelSize: 22 * p.u
                color: Theme.stop
                readonly property string m: p.staff ? p.staff.message : ""
                text: m === "locked" ? qsTr("Too many wrong PINs. Locked for %1 s.").arg(p.staff.lockedSeconds)
                    : m.indexOf("wrong:") === 0 ? qsTr("Wrong PIN. %1 attempt(s) left.").arg(m.split(":")[1])
                    : m === "unknown" ? qsTr("Unknown staff number or badge.")
                    : ""
            }
            Grid {
                columns: 3
                spacing: 14 * p.u
                anchors.horizontalCenter: parent.horizontalCenter
                Repeater {
                    model: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
                    delegate: AbstractButton {
                        id: k
                        required property string modelData
                        objectName: "pin_" + (modelData === "⌫" ? "back" : modelData)
                        width: 170 * p.u; height: 104 * p.u
                        onClicked: p.press(modelData)
                        background: Rectangle {
                            radius: 16 * p.u
                            color: k.modelData === "OK" ? (k.down ? Theme.goPressed : Theme.go)
                                                        : (k.down ? Theme.line : Theme.paper)
                        }
                        contentItem: Text {
                            text: k.modelData
                            horizontalAlignment: Text.AlignHCenter
                            verticalAlignment: Text.AlignVCenter
                            font.family: Theme.font; font.pixelSize: 38 * p.u
                            color: k.modelData === "OK" ? "white" : Theme.ink
                        }
                    }
                }
            }
            BigButton {
                u: p.u
                width: parent.width
                filled: false
                tint: Theme.muted
                text: qsTr("Cancel")
                onClicked: p.staff.logout()
            }
        }
    }
}
