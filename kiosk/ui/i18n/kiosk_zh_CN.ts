<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
  <context>
    <name>AssistOverlay</name>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="32" />
      <source>A member of staff is on the way</source>
      <translation>工作人员马上就到</translation>
    </message>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="43" />
      <source>Your basket has an item that needs an age check. Please have your ID ready.</source>
      <translation>您购买的商品需要核验年龄，请准备好身份证件。</translation>
    </message>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="44" />
      <source>You asked for help. Please wait here.</source>
      <translation>您已呼叫帮助，请在此稍候。</translation>
    </message>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="45" />
      <source>We could not check every item. Staff will sort it out; please leave the items on the tray.</source>
      <translation>有商品无法自动核对，工作人员会为您处理，请不要拿走托盘上的商品。</translation>
    </message>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="46" />
      <source>This basket has been waiting for a while.</source>
      <translation>这笔交易已等待较长时间。</translation>
    </message>
    <message>
      <location filename="../qml/AssistOverlay.qml" line="47" />
      <source>Please wait a moment.</source>
      <translation>请稍候。</translation>
    </message>
  </context>
  <context>
    <name>BasketPanel</name>
    <message>
      <location filename="../qml/BasketPanel.qml" line="22" />
      <source>Your items</source>
      <translation>您的商品</translation>
    </message>
    <message numerus="yes">
      <location filename="../qml/BasketPanel.qml" line="27" />
      <source>%n item(s)</source>
      <translation>
        <numerusform>共 %n 件</numerusform>
      </translation>
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="95" />
      <source>Age check by staff</source>
      <translation>需工作人员核验年龄</translation>
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="95" />
      <source>Age checked</source>
      <translation>已核验年龄</translation>
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="147" />
      <source>Your items appear here as soon as the tray is still.</source>
      <translation>托盘放稳后，商品会显示在这里。</translation>
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="167" />
      <source>Total</source>
      <translation>合计</translation>
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="189" />
      <source>Add an item</source>
      <translation>添加商品</translation>
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="190" />
      <source>not recognised?</source>
      <translation>没有识别出来？</translation>
    </message>
    <message>
      <location filename="../qml/BasketPanel.qml" line="200" />
      <source>Pay</source>
      <translation>付款</translation>
    </message>
  </context>
  <context>
    <name>CameraPanel</name>
    <message>
      <location filename="../qml/CameraPanel.qml" line="133" />
      <source>Is everything on the list? Then tap Pay. To add or remove, just use the tray.</source>
      <translation>清单无误？请点击付款。要增减商品，直接在托盘上放上或拿走即可。</translation>
    </message>
    <message>
      <location filename="../qml/CameraPanel.qml" line="159" />
      <source>Checking your items… please keep your hands off the tray</source>
      <translation>正在识别商品…请先不要触碰托盘</translation>
    </message>
    <message>
      <location filename="../qml/CameraPanel.qml" line="260" />
      <source>Something else</source>
      <translation>都不是</translation>
    </message>
    <message>
      <location filename="../qml/CameraPanel.qml" line="261" />
      <source>Search</source>
      <translation>搜索</translation>
    </message>
  </context>
  <context>
    <name>Header</name>
    <message>
      <location filename="../qml/Header.qml" line="38" />
      <source>Morning Mart</source>
      <translation>晨光便利</translation>
    </message>
    <message>
      <location filename="../qml/Header.qml" line="43" />
      <source>Self-checkout</source>
      <translation>自助结账</translation>
    </message>
    <message>
      <location filename="../qml/Header.qml" line="80" />
      <source>Scale</source>
      <translation>秤</translation>
    </message>
    <message>
      <location filename="../qml/Header.qml" line="124" />
      <source>Call for help</source>
      <translation>呼叫帮助</translation>
    </message>
  </context>
  <context>
    <name>Main</name>
    <message>
      <location filename="../qml/Main.qml" line="19" />
      <source>Self-checkout</source>
      <translation>自助结账</translation>
    </message>
  </context>
  <context>
    <name>OutOfService</name>
    <message>
      <location filename="../qml/OutOfService.qml" line="22" />
      <source>This checkout is paused</source>
      <translation>本收银台暂停服务</translation>
    </message>
    <message>
      <location filename="../qml/OutOfService.qml" line="30" />
      <source>Please use another checkout, or ask a member of staff. Your items on the tray are safe; nothing has been charged.</source>
      <translation>请使用其他收银台，或联系工作人员。托盘上的商品不受影响，尚未扣款。</translation>
    </message>
    <message>
      <location filename="../qml/OutOfService.qml" line="42" />
      <source>For staff: %1</source>
      <translation>工作人员信息：%1</translation>
    </message>
  </context>
  <context>
    <name>PaySheet</name>
    <message>
      <location filename="../qml/PaySheet.qml" line="22" />
      <source>How would you like to pay?</source>
      <translation>请选择付款方式</translation>
    </message>
    <message>
      <location filename="../qml/PaySheet.qml" line="39" />
      <source>QR code</source>
      <translation>扫码支付</translation>
    </message>
    <message>
      <location filename="../qml/PaySheet.qml" line="40" />
      <source>Alipay · WeChat Pay</source>
      <translation>支付宝 · 微信支付</translation>
    </message>
    <message>
      <location filename="../qml/PaySheet.qml" line="49" />
      <source>Bank card</source>
      <translation>银行卡</translation>
    </message>
    <message>
      <location filename="../qml/PaySheet.qml" line="50" />
      <source>UnionPay · tap or insert</source>
      <translation>银联 · 挥卡或插卡</translation>
    </message>
    <message>
      <location filename="../qml/PaySheet.qml" line="60" />
      <source>Back</source>
      <translation>返回</translation>
    </message>
  </context>
  <context>
    <name>PayingScreen</name>
    <message>
      <location filename="../qml/PayingScreen.qml" line="15" />
      <source>Scan to pay with your phone</source>
      <translation>请用手机扫码付款</translation>
    </message>
    <message>
      <location filename="../qml/PayingScreen.qml" line="15" />
      <source>Tap or insert your card</source>
      <translation>请挥卡或插卡</translation>
    </message>
    <message>
      <location filename="../qml/PayingScreen.qml" line="43" />
      <source>Show your payment code to the scanner below the screen</source>
      <translation>请将付款码对准屏幕下方的扫码器</translation>
    </message>
    <message>
      <location filename="../qml/PayingScreen.qml" line="44" />
      <source>Follow the instructions on the card terminal</source>
      <translation>请按刷卡机上的提示操作</translation>
    </message>
    <message>
      <location filename="../qml/PayingScreen.qml" line="57" />
      <source>Cancel payment</source>
      <translation>取消付款</translation>
    </message>
  </context>
  <context>
    <name>PinPad</name>
    <message>
      <location filename="../qml/PinPad.qml" line="54" />
      <source>Staff login</source>
      <translation>员工登录</translation>
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="59" />
      <source>Staff %1 — enter your PIN</source>
      <translation>员工 %1 — 请输入密码</translation>
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="60" />
      <source>Enter your staff number (or scan your badge)</source>
      <translation>请输入员工编号（或扫描工牌）</translation>
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="83" />
      <source>Too many wrong PINs. Locked for %1 s.</source>
      <translation>密码错误次数过多，已锁定 %1 秒。</translation>
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="84" />
      <source>Wrong PIN. %1 attempt(s) left.</source>
      <translation>密码错误，还可尝试 %1 次。</translation>
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="85" />
      <source>Unknown staff number or badge.</source>
      <translation>无此员工编号或工牌。</translation>
    </message>
    <message>
      <location filename="../qml/PinPad.qml" line="120" />
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
  </context>
  <context>
    <name>ReceiptScreen</name>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="21" />
      <source>Payment complete</source>
      <translation>付款成功</translation>
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="21" />
      <source>Thank you!</source>
      <translation>谢谢惠顾！</translation>
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="27" />
      <source>Paid %1 · Sale %2</source>
      <translation>已付 %1 · 单号 %2</translation>
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="39" />
      <source>Print receipt</source>
      <translation>打印小票</translation>
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="47" />
      <source>E-receipt</source>
      <translation>电子小票</translation>
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="48" />
      <source>QR code for your phone</source>
      <translation>用手机扫码保存</translation>
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="57" />
      <source>No receipt</source>
      <translation>不需要小票</translation>
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="73" />
      <source>Your receipt is printing below the screen.</source>
      <translation>小票正在屏幕下方打印。</translation>
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="74" />
      <source>Scan the code to keep your receipt on your phone.</source>
      <translation>扫描二维码，将小票保存到手机。</translation>
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="81" />
      <source>Please take your items. Have a nice day!</source>
      <translation>请带好您的商品，祝您愉快！</translation>
    </message>
    <message>
      <location filename="../qml/ReceiptScreen.qml" line="91" />
      <source>Done</source>
      <translation>完成</translation>
    </message>
  </context>
  <context>
    <name>SearchSheet</name>
    <message>
      <location filename="../qml/SearchSheet.qml" line="27" />
      <source>Back</source>
      <translation>返回</translation>
    </message>
    <message>
      <location filename="../qml/SearchSheet.qml" line="42" />
      <source>Type a name or pinyin, e.g. kele or pingguo</source>
      <translation>输入名称或拼音，如 kele 或 pingguo</translation>
    </message>
    <message>
      <location filename="../qml/SearchSheet.qml" line="155" />
      <source>Clear</source>
      <translation>清空</translation>
    </message>
    <message>
      <location filename="../qml/SearchSheet.qml" line="157" />
      <source>Space</source>
      <translation>空格</translation>
    </message>
  </context>
  <context>
    <name>StaffPanel</name>
    <message>
      <location filename="../qml/StaffPanel.qml" line="25" />
      <source>Staff mode</source>
      <translation>员工模式</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="35" />
      <source>Leave staff mode</source>
      <translation>退出员工模式</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="46" />
      <source>Sale</source>
      <translation>交易</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="46" />
      <source>Scale</source>
      <translation>秤</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="46" />
      <source>Camera</source>
      <translation>摄像头</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="46" />
      <source>Diagnostics</source>
      <translation>设备诊断</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="46" />
      <source>History</source>
      <translation>记录</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="47" />
      <source>Models</source>
      <translation>识别模型</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="99" />
      <source>age check</source>
      <translation>核验年龄</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="99" />
      <source>items not resolved</source>
      <translation>商品未能确认</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="100" />
      <source>weight does not match</source>
      <translation>重量不符</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="100" />
      <source>shopper asked for help</source>
      <translation>顾客呼叫帮助</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="101" />
      <source>payment outcome unknown</source>
      <translation>付款结果未知</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="101" />
      <source>payment problem</source>
      <translation>付款异常</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="102" />
      <source>basket left unattended</source>
      <translation>交易无人值守</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="104" />
      <source>Sale %1 · %2</source>
      <translation>交易 %1 · %2</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="139" />
      <source>Void line</source>
      <translation>删除此行</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="145" />
      <source>Total</source>
      <translation>合计</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="159" />
      <source>Approve age check</source>
      <translation>年龄核验通过</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="160" />
      <source>I have seen the shopper's ID</source>
      <translation>已查看顾客证件</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="164" />
      <source>Override the weight check — reason:</source>
      <translation>跳过重量核对 — 原因：</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="172" />
      <source>Items checked by staff</source>
      <translation>工作人员已核对商品</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="172" />
      <source>Shopper's own item on tray</source>
      <translation>托盘上有顾客自带物品</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="172" />
      <source>Damaged packaging</source>
      <translation>包装破损</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="188" />
      <source>Override and continue</source>
      <translation>确认并继续</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="195" />
      <source>Back to the shopper</source>
      <translation>返回顾客界面</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="202" />
      <source>Cancel the sale</source>
      <translation>取消交易</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="218" />
      <source>stable</source>
      <translation>稳定</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="218" />
      <source>moving</source>
      <translation>晃动中</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="226" />
      <source>Zero the scale</source>
      <translation>秤归零</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="227" />
      <source>with the tray empty</source>
      <translation>请先清空托盘</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="231" />
      <source>Calibrate: put a reference weight on the tray, then choose it</source>
      <translation>校准：把标准砝码放在托盘上，再选择其重量</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="280" />
      <source>The amber frame is the tray region watched for movement.</source>
      <translation>橙色框是用于判断托盘是否稳定的区域。</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="288" />
      <source>Save empty-tray reference</source>
      <translation>保存空托盘参考图</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="289" />
      <source>clear the tray first</source>
      <translation>请先清空托盘</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="298" />
      <source>Camera calibration: lay the printed card on the empty tray, then on the 100 mm block.</source>
      <translation>摄像头标定：先把打印的标定卡平放在空托盘上，再放到 100 毫米高的垫块上。</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="306" />
      <source>1. Card lying flat</source>
      <translation>1. 标定卡平放</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="307" />
      <location filename="../qml/StaffPanel.qml" line="315" />
      <source>take the picture</source>
      <translation>拍照</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="314" />
      <source>2. Card on the block</source>
      <translation>2. 标定卡放在垫块上</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="322" />
      <source>3. Calibrate the camera</source>
      <translation>3. 标定摄像头</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="357" />
      <source>Installed recognition models. A model is checked on this kiosk before it serves; the one it replaces is kept to roll back to.</source>
      <translation>本机已安装的识别模型。模型须先在本机通过检查才会启用；被替换的模型会保留，以便回退。</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="368" />
      <source>Roll back</source>
      <translation>回退到上一个模型</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="391" />
      <source>serving</source>
      <translation>使用中</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="392" />
      <source>previous</source>
      <translation>上一个</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="393" />
      <source>refused</source>
      <translation>不可用</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="406" />
      <source>Serve this one</source>
      <translation>启用此模型</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="421" />
      <source>Sales</source>
      <translation>交易记录</translation>
    </message>
    <message>
      <location filename="../qml/StaffPanel.qml" line="429" />
      <source>Audit log</source>
      <translation>操作日志</translation>
    </message>
  </context>
  <context>
    <name>WelcomeScreen</name>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="19" />
      <source>Welcome</source>
      <translation>欢迎光临</translation>
    </message>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="25" />
      <source>Put your items on the tray. No scanning needed.</source>
      <translation>把商品放在托盘上，无需扫码。</translation>
    </message>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="33" />
      <source>Place your items on the tray, side by side</source>
      <translation>把商品平铺在托盘上，不要叠放</translation>
    </message>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="34" />
      <source>Check the list on the screen</source>
      <translation>核对屏幕上的商品清单</translation>
    </message>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="35" />
      <source>Pay by QR code or card, take your receipt</source>
      <translation>扫码或刷卡付款，取走小票</translation>
    </message>
    <message>
      <location filename="../qml/WelcomeScreen.qml" line="117" />
      <source>Start by placing an item</source>
      <translation>放上商品即可开始</translation>
    </message>
  </context>
</TS>