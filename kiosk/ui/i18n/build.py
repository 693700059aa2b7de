# ruff: noqa: E501  (the table of translations keeps each source text on one line)
"""Regenerates the screens' translations: lupdate (QML -> .ts), our Chinese texts into
the .ts, lrelease (.ts -> .qm). Run after changing a qsTr() text:

    python -m kiosk.ui.i18n.build

English is the source language; `kiosk_en` only carries the plural forms.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
QML = HERE.parent / "qml"
BIN = Path(sys.executable).parent

ZH_CN = {
    "A member of staff is on the way": "工作人员马上就到",
    "Your basket has an item that needs an age check. Please have your ID ready.": "您购买的商品需要核验年龄，请准备好身份证件。",
    "You asked for help. Please wait here.": "您已呼叫帮助，请在此稍候。",
    "We could not check every item. Staff will sort it out; please leave the items on the tray.": "有商品无法自动核对，工作人员会为您处理，请不要拿走托盘上的商品。",
    "This basket has been waiting for a while.": "这笔交易已等待较长时间。",
    "Please wait a moment.": "请稍候。",
    "Your items": "您的商品",
    "%n item(s)": "共 %n 件",
    "Age check by staff": "需工作人员核验年龄",
    "Age checked": "已核验年龄",
    "Your items appear here as soon as the tray is still.": "托盘放稳后，商品会显示在这里。",
    "Total": "合计",
    "Add an item": "添加商品",
    "not recognised?": "没有识别出来？",
    "Pay": "付款",
    "Checking your items… please keep your hands off the tray": "正在识别商品…请先不要触碰托盘",
    "Something else": "都不是",
    "Search": "搜索",
    "Morning Mart": "晨光便利",
    "Self-checkout": "自助结账",
    "Scale": "秤",
    "Call for help": "呼叫帮助",
    "This checkout is paused": "本收银台暂停服务",
    "Please use another checkout, or ask a member of staff. Your items on the tray are safe; nothing has been charged.": "请使用其他收银台，或联系工作人员。托盘上的商品不受影响，尚未扣款。",
    "For staff: %1": "工作人员信息：%1",
    "How would you like to pay?": "请选择付款方式",
    "QR code": "扫码支付",
    "Alipay · WeChat Pay": "支付宝 · 微信支付",
    "Bank card": "银行卡",
    "UnionPay · tap or insert": "银联 · 挥卡或插卡",
    "Back": "返回",
    "Scan to pay with your phone": "请用手机扫码付款",
    "Tap or insert your card": "请挥卡或插卡",
    "Show your payment code to the scanner below the screen": "请将付款码对准屏幕下方的扫码器",
    "Follow the instructions on the card terminal": "请按刷卡机上的提示操作",
    "Cancel payment": "取消付款",
    "Staff login": "员工登录",
    "Staff %1 — enter your PIN": "员工 %1 — 请输入密码",
    "Enter your staff number (or scan your badge)": "请输入员工编号（或扫描工牌）",
    "Too many wrong PINs. Locked for %1 s.": "密码错误次数过多，已锁定 %1 秒。",
    "Wrong PIN. %1 attempt(s) left.": "密码错误，还可尝试 %1 次。",
    "Unknown staff number or badge.": "无此员工编号或工牌。",
    "Cancel": "取消",
    "Payment complete": "付款成功",
    "Thank you!": "谢谢惠顾！",
    "Paid %1 · Sale %2": "已付 %1 · 单号 %2",
    "Print receipt": "打印小票",
    "E-receipt": "电子小票",
    "QR code for your phone": "用手机扫码保存",
    "No receipt": "不需要小票",
    "Your receipt is printing below the screen.": "小票正在屏幕下方打印。",
    "Scan the code to keep your receipt on your phone.": "扫描二维码，将小票保存到手机。",
    "Please take your items. Have a nice day!": "请带好您的商品，祝您愉快！",
    "Done": "完成",
    "Type a name or pinyin, e.g. kele or pingguo": "输入名称或拼音，如 kele 或 pingguo",
    "Clear": "清空",
    "Space": "空格",
    "Staff mode": "员工模式",
    "Leave staff mode": "退出员工模式",
    "Sale": "交易",
    "Camera": "摄像头",
    "Diagnostics": "设备诊断",
    "History": "记录",
    "Sale %1 · %2": "交易 %1 · %2",
    "age check": "核验年龄",
    "items not resolved": "商品未能确认",
    "weight does not match": "重量不符",
    "shopper asked for help": "顾客呼叫帮助",
    "payment outcome unknown": "付款结果未知",
    "payment problem": "付款异常",
    "basket left unattended": "交易无人值守",
    "Void line": "删除此行",
    "Approve age check": "年龄核验通过",
    "I have seen the shopper's ID": "已查看顾客证件",
    "Override the weight check — reason:": "跳过重量核对 — 原因：",
    "Items checked by staff": "工作人员已核对商品",
    "Shopper's own item on tray": "托盘上有顾客自带物品",
    "Damaged packaging": "包装破损",
    "Override and continue": "确认并继续",
    "Back to the shopper": "返回顾客界面",
    "Cancel the sale": "取消交易",
    "stable": "稳定",
    "moving": "晃动中",
    "Zero the scale": "秤归零",
    "with the tray empty": "请先清空托盘",
    "Calibrate: put a reference weight on the tray, then choose it": "校准：把标准砝码放在托盘上，再选择其重量",
    "The amber frame is the tray region watched for movement.": "橙色框是用于判断托盘是否稳定的区域。",
    "Save empty-tray reference": "保存空托盘参考图",
    "Camera calibration: lay the printed card on the empty tray, then on the 100 mm block.": "摄像头标定：先把打印的标定卡平放在空托盘上，再放到 100 毫米高的垫块上。",
    "1. Card lying flat": "1. 标定卡平放",
    "take the picture": "拍照",
    "2. Card on the block": "2. 标定卡放在垫块上",
    "3. Calibrate the camera": "3. 标定摄像头",
    "clear the tray first": "请先清空托盘",
    "Sales": "交易记录",
    "Audit log": "操作日志",
    "Models": "识别模型",
    "Installed recognition models. A model is checked on this kiosk before it serves; the one it replaces is kept to roll back to.": "本机已安装的识别模型。模型须先在本机通过检查才会启用；被替换的模型会保留，以便回退。",
    "Roll back": "回退到上一个模型",
    "serving": "使用中",
    "previous": "上一个",
    "refused": "不可用",
    "Serve this one": "启用此模型",
    "Welcome": "欢迎光临",
    "Put your items on the tray. No scanning needed.": "把商品放在托盘上，无需扫码。",
    "Place your items on the tray, side by side": "把商品平铺在托盘上，不要叠放",
    "Check the list on the screen": "核对屏幕上的商品清单",
    "Pay by QR code or card, take your receipt": "扫码或刷卡付款，取走小票",
    "Start by placing an item": "放上商品即可开始",
    "Is everything on the list? Then tap Pay. To add or remove, just use the tray.": "清单无误？请点击付款。要增减商品，直接在托盘上放上或拿走即可。",
}

EN_PLURALS = {"%n item(s)": ("%n item", "%n items")}


def _fill(ts: Path, language: str) -> list[str]:
    tree = ET.parse(ts)
    missing = []
    for message in tree.iter("message"):
        source = message.findtext("source") or ""
        tr = message.find("translation")
        if tr is None:
            continue
        for child in list(tr):
            tr.remove(child)
        tr.text = None
        numerus = message.get("numerus") == "yes"
        if language == "zh_CN":
            text = ZH_CN.get(source)
            if text is None:
                missing.append(source)
                tr.set("type", "unfinished")
                continue
            if numerus:
                ET.SubElement(tr, "numerusform").text = text
            else:
                tr.text = text
        else:
            forms = EN_PLURALS.get(source)
            if forms is None:
                tr.set("type", "unfinished")
                continue
            for form in forms:
                ET.SubElement(tr, "numerusform").text = form
        tr.attrib.pop("type", None)
    ET.indent(tree)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return missing


def main() -> int:
    qml = sorted(str(p) for p in QML.glob("*.qml"))
    missing = []
    for language in ("zh_CN", "en"):
        ts = HERE / f"kiosk_{language}.ts"
        subprocess.run(
            [BIN / "pyside6-lupdate", *qml, "-no-obsolete", "-target-language", language,
             "-ts", ts],
            check=True, capture_output=True,
        )  # fmt: skip
        missing += _fill(ts, language)
        subprocess.run(
            [BIN / "pyside6-lrelease", ts, "-qm", ts.with_suffix(".qm")],
            check=True, capture_output=True,
        )  # fmt: skip
    for source in missing:
        print(f"no Chinese for: {source!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
