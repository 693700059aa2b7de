<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en">
  <context>
    <name>AssistOverlay</name>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="32" />
      <source>A member of staff is on the way</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="43" />
      <source>Your basket has an item that needs an age check. Please have your ID ready.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="44" />
      <source>You asked for help. Please wait here.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="45" />
      <source>We could not check every item. Staff will sort it out; please leave the items on the tray.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="46" />
      <source>This basket has been waiting for a while.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="47" />
      <source>Please wait a moment.</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>BasketPanel</name>
    <message>
      <location filename="../qml/BasketPanel.qml" line="22" />
      <source>Your items</source>
      <translation type="unfinished" />
    </message>
    <message numerus="yes">
      <location filename="../qml/BasketPanel.qml" line="27" />
      <source>%n item(s)</source>
      <translation>
        <numerusform>%n item</numerusform>
        <numerusform>%n items</numerusform>
      </translation>
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="95" />
      <source>Age check by staff</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="95" />
      <source>Age checked</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="147" />
      <source>Your items appear here as soon as the tray is still.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="167" />
      <source>Total</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="189" />
      <source>Add an item</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="190" />
      <source>not recognised?</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="200" />
      <source>Pay</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>CameraPanel</name>
    <message>
      <location filename="../qml/CameraPanel.qml" line="133" />
      <source>Is everything on the list? Then tap Pay. To add or remove, just use the tray.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/CameraPanel.qml" line="159" />
      <source>Checking your items… please keep your hands off the tray</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/CameraPanel.qml" line="260" />
      <source>Something else</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/CameraPanel.qml" line="261" />
      <source>Search</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>Header</name>
    <message>
      <location filename="../qml/Header.qml" line="38" />
      <source>Morning Mart</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/Header.qml" line="43" />
      <source>Self-checkout</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/Header.qml" line="80" />
      <source>Scale</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/Header.qml" line="124" />
      <source>Call for help</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>Main</name>
    <message>
      <location filename="../qml/Main.qml" line="19" />
      <source>Self-checkout</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>OutOfService</name>
    <message>
      <location filename="../qml/OutOfService.qml" line="22" />
      <source>This checkout is paused</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/OutOfService.qml" line="30" />
      <source>Please use another checkout, or ask a member of staff. Your items on the tray are safe; nothing has been charged.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/OutOfService.qml" line="42" />
      <source>For staff: %1</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>PaySheet</name>
    <message>
      <location filename="../qml/PaySheet.qml" line="22" />
      <source>How would you like to pay?</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PaySheet.qml" line="39" />
      <source>QR code</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PaySheet.qml" line="40" />
      <source>Alipay · WeChat Pay</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PaySheet.qml" line="49" />
      <source>Bank card</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PaySheet.qml" line="50" />
      <source>UnionPay · tap or insert</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PaySheet.qml" line="60" />
      <source>Back</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>PayingScreen</name>
    <message>
      <location filename="../qml/PayingScreen.qml" line="15" />
      <source>Scan to pay with your phone</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PayingScreen.qml" line="15" />
      <source>Tap or insert your card</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PayingScreen.qml" line="43" />
      <source>Show your payment code to the scanner below the screen</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PayingScreen.qml" line="44" />
      <source>Follow the instructions on the card terminal</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PayingScreen.qml" line="57" />
      <source>Cancel payment</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>PinPad</name>
    <message>
      <location filename="../qml/PinPad.qml" line="54" />
      <source>Staff login</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="59" />
      <source>Staff %1 — enter your PIN</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="60" />
      <source>Enter your staff number (or scan your badge)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="83" />
      <source>Too many wrong PINs. Locked for %1 s.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="84" />
      <source>Wrong PIN. %1 attempt(s) left.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="85" />
      <source>Unknown staff number or badge.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="120" />
      <source>Cancel</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>ReceiptScreen</name>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="21" />
      <source>Payment complete</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="21" />
      <source>Thank you!</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="27" />
      <source>Paid %1 · Sale %2</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="39" />
      <source>Print receipt</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="47" />
      <source>E-receipt</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="48" />
      <source>QR code for your phone</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="57" />
      <source>No receipt</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="73" />
      <source>Your receipt is printing below the screen.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="74" />
      <source>Scan the code to keep your receipt on your phone.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="81" />
      <source>Please take your items. Have a nice day!</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="91" />
      <source>Done</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>SearchSheet</name>
    <message>
      <location filename="../qml/SearchSheet.qml" line="27" />
      <source>Back</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/SearchSheet.qml" line="42" />
      <source>Type a name or pinyin, e.g. kele or pingguo</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/SearchSheet.qml" line="155" />
      <source>Clear</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/SearchSheet.qml" line="157" />
      <source>Space</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>StaffPanel</name>
    <message>
      <location filename="../qml/StaffPanel.qml" line="25" />
      <source>Staff mode</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="35" />
      <source>Leave staff mode</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="46" />
      <source>Sale</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="46" />
      <source>Scale</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="46" />
      <source>Camera</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="46" />
      <source>Diagnostics</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="46" />
      <source>History</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="47" />
      <source>Models</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="99" />
      <source>age check</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="99" />
      <source>items not resolved</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="100" />
      <source>weight does not match</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="100" />
      <source>shopper asked for help</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="101" />
      <source>payment outcome unknown</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="101" />
      <source>payment problem</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="102" />
      <source>basket left unattended</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="104" />
      <source>Sale %1 · %2</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="139" />
      <source>Void line</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="145" />
      <source>Total</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="159" />
      <source>Approve age check</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="160" />
      <source>I have seen the shopper's ID</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="164" />
      <source>Override the weight check — reason:</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="172" />
      <source>Items checked by staff</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="172" />
      <source>Shopper's own item on tray</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="172" />
      <source>Damaged packaging</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="188" />
      <source>Override and continue</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="195" />
      <source>Back to the shopper</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="202" />
      <source>Cancel the sale</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="218" />
      <source>stable</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="218" />
      <source>moving</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="226" />
      <source>Zero the scale</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="227" />
      <source>with the tray empty</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="231" />
      <source>Calibrate: put a reference weight on the tray, then choose it</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="280" />
      <source>The amber frame is the tray region watched for movement.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="288" />
      <source>Save empty-tray reference</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="289" />
      <source>clear the tray first</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="298" />
      <source>Camera calibration: lay the printed card on the empty tray, then on the 100 mm block.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="306" />
      <source>1. Card lying flat</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="307" />
      <location filename="../qml/StaffPanel.qml" line="315" />
      <source>take the picture</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="314" />
      <source>2. Card on the block</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="322" />
      <source>3. Calibrate the camera</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="357" />
      <source>Installed recognition models. A model is checked on this kiosk before it serves; the one it replaces is kept to roll back to.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="368" />
      <source>Roll back</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="391" />
      <source>serving</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="392" />
      <source>previous</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="393" />
      <source>refused</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="406" />
      <source>Serve this one</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="421" />
      <source>Sales</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="429" />
      <source>Audit log</source>
      <translation type="unfinished" />
    </message>
  </context>
  <context>
    <name>WelcomeScreen</name>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="19" />
      <source>Welcome</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="25" />
      <source>Put your items on the tray. No scanning needed.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="33" />
      <source>Place your items on the tray, side by side</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="34" />
      <source>Check the list on the screen</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="35" />
      <source>Pay by QR code or card, take your receipt</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="117" />
      <source>Start by placing an item</source>
      <translation type="unfinished" />
    </message>
  </context>
</TS>