import QtQuick
import QtQuick.Controls
import Kiosk

// The live camera picture, a box and a name over every item, and what to do when
// the kiosk is unsure - drawn where the problem is.
Rectangle {
    id: p
    property real u: 1
    property QtObject checkout
    property QtObject camera
    signal searchRequested()
    readonly property string kind: checkout ? checkout.guidanceKind : ""
    readonly property bool placing: checkout !== null && checkout.phase === "placing"
    readonly property real aspect: camera ? camera.aspect : 16 / 9
    // the boxes' name tags: BoxModel.labelPlaces measures them in this font
    readonly property font tagFont: Qt.font({ family: Theme.font, pixelSize: Math.max(20 * u, 1), weight: Font.DemiBold })
    radius: 20 * u
    color: "#1d2329"
    clip: true

    CameraFrame {
        id: frame
        objectName: "cameraFrame"
        anchors.fill: parent
        anchors.margins: 6 * p.u
        feed: p.camera
        alignTop: true
    }

    // where the picture lands inside the item (letterboxed like CameraFrame paints it)
    Item {
        id: picture
        readonly property bool wide: frame.width / Math.max(frame.height, 1) > p.aspect
        width: wide ? frame.height * p.aspect : frame.width
        height: wide ? frame.height : frame.width / p.aspect
        x: frame.x + (frame.width - width) / 2
        y: frame.y

        // every tag's place, worked out together so that no two cover each other
        readonly property var tagPlaces: {
            const boxes = p.checkout ? p.checkout.boxModel : null
            if (boxes === null || boxes.version < 0)  // version: place again when boxes change
                return []
            return boxes.labelPlaces(width, height, p.tagFont, p.u)
        }

        // one beat for every box that needs an answer and for its tag: the tags are a
        // layer of their own, so a tag cannot inherit its box's opacity as a child would
        property real askPulse: 1
        SequentialAnimation on askPulse {
            id: askBeat
            running: p.checkout !== null && p.checkout.boxModel.asking
            loops: Animation.Infinite
            onStopped: picture.askPulse = 1
            NumberAnimation { to: 0.45; duration: 700; easing.type: Easing.InOutQuad }
            NumberAnimation { to: 1.0; duration: 700; easing.type: Easing.InOutQuad }
        }
        // new boxes (a new decision, another language) start the beat bright, as each
        // box's own animation did when its delegate was made
        Connections {
            target: p.checkout ? p.checkout.boxModel : null
            function onVersionChanged() {
                if (askBeat.running)
                    askBeat.restart()
            }
        }

        Repeater {
            model: p.checkout ? p.checkout.boxModel : null
            delegate: Item {
                id: boxItem
                required property real bx
                required property real by
                required property real bw
                required property real bh
                required property string label
                required property string kind
                readonly property color tint: kind === "ask" ? Theme.ask : (kind === "live" ? "#ffffff" : Theme.go)
                Rectangle {
                    x: boxItem.bx * picture.width
                    y: boxItem.by * picture.height
                    width: boxItem.bw * picture.width
                    height: boxItem.bh * picture.height
                    color: boxItem.kind === "ask" ? "#33e0962b" : "transparent"
                    radius: 8 * p.u
                    border.width: (boxItem.kind === "live" ? 2 : 5) * p.u
                    border.color: boxItem.tint
                    objectName: "box"
                    opacity: boxItem.kind === "ask" ? picture.askPulse : (boxItem.kind === "live" ? 0.7 : 1)
                }
            }
        }

        // the names, over every box (a neighbour's border never crosses a name)
        Repeater {
            model: p.checkout ? p.checkout.boxModel : null
            delegate: Rectangle {
                id: tagItem
                required property int index
                required property string label
                required property string kind
                readonly property rect place: picture.tagPlaces[index] ?? Qt.rect(0, 0, 0, 0)
                objectName: "boxTag"
                z: 1
                visible: label !== "" && place.width > 0
                x: place.x
                y: place.y
                width: place.width
                height: place.height
                radius: 8 * p.u
                color: kind === "ask" ? Theme.ask : Theme.go
                opacity: kind === "ask" ? picture.askPulse : 1
                Text {
                    anchors.centerIn: parent
                    width: parent.width - 20 * p.u  // BoxModel.TAG_PAD_X each side
                    horizontalAlignment: Text.AlignHCenter
                    elide: Text.ElideRight
                    text: tagItem.label
                    color: tagItem.kind === "ask" ? Theme.ink : "white"
                    font: p.tagFont
                }
            }
        }
    }

    // nothing to fix: a quiet hint under the picture
    Text {
        visible: !p.placing && p.kind === "" && p.checkout !== null && p.checkout.phase === "review"
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 40 * p.u
        text: qsTr("Is everything on the list? Then tap Pay. To add or remove, just use the tray.")
        color: "#b8c2cc"
        font.family: Theme.font; font.pixelSize: 26 * p.u
    }

    // while the tray moves: wait, calmly
    Rectangle {
        visible: p.placing
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: 32 * p.u
        width: waitRow.implicitWidth + 56 * p.u
        height: 76 * p.u
        radius: height / 2
        color: "#e61d2329"
        Row {
            id: waitRow
            anchors.centerIn: parent
            spacing: 16 * p.u
            BusyIndicator {
                width: 48 * p.u; height: 48 * p.u
                running: p.placing
                anchors.verticalCenter: parent.verticalCenter
            }
            Text {
                anchors.verticalCenter: parent.verticalCenter
                text: qsTr("Checking your items… please keep your hands off the tray")
                color: "white"
                font.family: Theme.font; font.pixelSize: 26 * p.u
            }
        }
    }

    // what to do: the request of the decision, with pictures to choose from
    Rectangle {
        id: guide
        objectName: "guidance"
        visible: p.kind !== "" && !p.placing
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        anchors.margins: 20 * p.u
        height: col.implicitHeight + 40 * p.u
        radius: 18 * p.u
        color: p.kind === "staff" ? Theme.stopSoft : Theme.askSoft
        border.width: 3 * p.u
        border.color: p.kind === "staff" ? Theme.stop : Theme.ask
        Column {
            id: col
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.top: parent.top
            anchors.margins: 20 * p.u
            spacing: 16 * p.u
            Row {
                width: parent.width
                spacing: 16 * p.u
                Rectangle {
                    width: 52 * p.u; height: width; radius: width / 2
                    color: p.kind === "staff" ? Theme.stop : Theme.ask
                    Text { anchors.centerIn: parent; text: "!"; color: "white"
                           font.family: Theme.font; font.pixelSize: 34 * p.u; font.weight: Font.Bold }
                }
                Text {
                    width: parent.width - 70 * p.u
                    anchors.verticalCenter: parent.verticalCenter
                    text: p.checkout ? p.checkout.problem : ""
                    font.family: Theme.font; font.pixelSize: 28 * p.u; font.weight: Font.DemiBold
                    color: Theme.ink
                    wrapMode: Text.WordWrap
                }
            }
            Row {
                visible: p.kind === "choose"
                spacing: 16 * p.u
                Repeater {
                    model: p.checkout ? p.checkout.candidateModel : null
                    delegate: AbstractButton {
                        id: cand
                        required property string sku
                        required property string name
                        required property string price
                        required property string picture
                        objectName: "candidate_" + sku
                        width: 220 * p.u; height: 250 * p.u
                        onClicked: p.checkout.pick(sku)
                        background: Rectangle {
                            radius: 16 * p.u
                            color: cand.down ? Theme.line : Theme.card
                            border.width: 2 * p.u; border.color: Theme.ask
                        }
                        contentItem: Column {
                            spacing: 6 * p.u
                            topPadding: 10 * p.u
                            Image {
                                anchors.horizontalCenter: parent.horizontalCenter
                                source: cand.picture
                                width: 150 * p.u; height: 150 * p.u
                                fillMode: Image.PreserveAspectFit
                                asynchronous: true
                            }
                            Text {
                                width: cand.width - 16 * p.u
                                anchors.horizontalCenter: parent.horizontalCenter
                                text: cand.name
                                horizontalAlignment: Text.AlignHCenter
                                font.family: Theme.font; font.pixelSize: 20 * p.u
                                elide: Text.ElideRight
                                maximumLineCount: 2
                                wrapMode: Text.WordWrap
                                color: Theme.ink
                            }
                            Text {
                                anchors.horizontalCenter: parent.horizontalCenter
                                text: cand.price
                                font.family: Theme.font; font.pixelSize: 18 * p.u
                                color: Theme.muted
                            }
                        }
                    }
                }
                BigButton {
                    u: p.u
                    width: 220 * p.u; height: 250 * p.u
                    filled: false
                    tint: Theme.brand
                    textSize: 24 * p.u
                    text: qsTr("Something else")
                    sub: qsTr("Search")
                    onClicked: p.searchRequested()
                }
            }
        }
    }
}
