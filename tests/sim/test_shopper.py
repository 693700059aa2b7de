from hardware.sim.shopper import Shopper
from hardware.sim.tray import HandEntered, HandLeft, ItemMoved, ItemPlaced, VirtualTray


def test_a_shopper_puts_the_basket_down_with_a_hand_each_time(sim_catalog):
    tray = VirtualTray(sim_catalog, seed=3)
    events = []
    tray.subscribe(events.append)
    basket = ["cola-zero-330", "chips-tomato-70", "apple-fuji", "gum-mint-40"]
    placed = Shopper(tray, seed=1, pace=0).unpack(basket, level="medium")
    assert sorted(i.sku for i in tray.items()) == sorted(basket)
    assert len(placed) == 4
    kinds = [type(e) for e in events]
    assert kinds.count(HandEntered) == 4 and kinds.count(HandLeft) == 4
    # every item arrives while a hand is over the tray, then settles into place
    for n, e in enumerate(events):
        if isinstance(e, ItemPlaced):
            assert HandEntered in kinds[:n] and kinds[:n].count(HandEntered) > kinds[:n].count(
                HandLeft
            )
            assert isinstance(events[n + 1], ItemMoved)
    assert tray.hand() is None
    assert tray.true_weight_g() == round(sum(i.weight_g for i in placed), 1)


def test_a_shopper_takes_everything_away(sim_catalog):
    tray = VirtualTray(sim_catalog, seed=3)
    shopper = Shopper(tray, seed=2, pace=0)
    shopper.unpack(["eggs-6", "banana", "lighter"], level="hard")
    shopper.clear()
    assert tray.items() == () and tray.true_weight_g() == 0 and tray.hand() is None


def test_a_shopper_in_the_background_can_be_stopped(sim_catalog):
    tray = VirtualTray(sim_catalog, seed=3)
    shopper = Shopper(tray, seed=2, pace=0.05)  # about 0.1 s per item
    shopper.start(["cola-classic-330"] * 6, level="medium")
    shopper.stop(timeout=5)  # interrupts after the item in hand
    assert shopper._thread is None
    assert 0 <= len(tray.items()) < 6
    assert tray.hand() is None  # it never leaves a hand hanging over the tray
