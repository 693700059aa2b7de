"""Property-based: any sequence of events, crashes included, keeps the money right.

A model payment terminal charges attempts and may answer late, twice, or after a
restart. Whatever happens: totals equal the sum of lines, no sale is recorded twice,
no charge is both kept and refunded, and every charge ends up recorded or refunded.
"""

from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kiosk.catalog_file import load_catalog
from kiosk.domain import checkout as ck
from kiosk.domain.checkout import Checkout, Checkouts, Phase, Verdict

CATALOG = load_catalog()
SKUS = ["cola-zero-330", "cola-classic-330", "beer-seabreeze-330", "chips-tomato-70", "nope"]
EVERY_EVENT = [
    ck.TrayMoving,
    ck.TraySettled,
    ck.TrayEmptied,
    ck.ItemScanned,
    ck.ItemPicked,
    ck.QuantityChanged,
    ck.LineVoided,
    ck.HelpRequested,
    ck.StaffResolved,
    ck.PayRequested,
    ck.PaymentApproved,
    ck.PaymentDeclined,
    ck.PaymentCancelled,
    ck.ReceiptDone,
    ck.DeviceFault,
    ck.DeviceRecovered,
    ck.Tick,
]

outcomes = st.builds(
    ck.TrayOutcome,
    verdict=st.sampled_from(list(Verdict)),
    counts=st.dictionaries(st.sampled_from(SKUS[:4]), st.integers(1, 3), max_size=3),
    weighed=st.lists(
        st.tuples(st.just("apple-fuji"), st.integers(50, 2000).map(Decimal)), max_size=1
    ).map(tuple),
    message=st.sampled_from(["", "which flavour?"]),
)


class CheckoutMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.m = Checkouts(CATALOG)
        self.c = Checkout(device_id="k")
        self.now = 1000.0
        self.started: dict[str, int] = {}  # attempt -> amount the terminal was asked
        self.charged: dict[str, int] = {}  # attempt -> amount the terminal took
        self.recorded: dict[str, str] = {}  # attempt -> sale id
        self.sales: set[str] = set()
        self.refunded: set[str] = set()

    def send(self, event):
        self.now += 1
        t = self.m.step(self.c, event)  # must never raise, whatever the phase
        self.apply(t)

    def apply(self, t):
        self.c = t.checkout
        for e in t.effects:
            if isinstance(e, ck.StartPayment):
                assert e.attempt_id not in self.started, "payment started twice"
                assert e.amount == self.c.basket.total
                self.started[e.attempt_id] = e.amount
            elif isinstance(e, ck.RecordSale):
                s = e.sale
                assert s.sale_id not in self.sales, "sale recorded twice"
                assert s.total == sum(ln.total for ln in s.lines if ln.active)
                assert s.payment.amount == s.total
                self.sales.add(s.sale_id)
                self.recorded[s.payment.attempt_id] = s.sale_id
            elif isinstance(e, ck.RefundPayment):
                self.refunded.add(e.attempt_id)
            elif isinstance(e, ck.QueryPayment) and e.attempt_id in self.charged:
                # the terminal tells the truth about what it charged
                self.send(
                    ck.PaymentApproved(self.now, e.attempt_id, self.charged[e.attempt_id], "Q")
                )

    @rule(
        event=st.sampled_from(EVERY_EVENT).flatmap(
            lambda cls: st.builds(
                cls,
                **(
                    {"at": st.floats(0, 5000)}
                    if cls is not ck.TraySettled
                    else {"at": st.floats(0, 5000), "outcome": outcomes}
                ),
            )
        )
    )
    def any_event_at_all(self, event):
        # Arbitrary payment events are aimed at attempts the terminal never made:
        # they must be refused or refunded, never recorded.
        if isinstance(event, ck.PaymentApproved):
            event = ck.PaymentApproved(event.at, "bogus-" + event.attempt_id, event.amount, "X")
            self.charged[event.attempt_id] = event.amount
        self.send(event)

    @rule()
    def tray_moves(self):
        self.send(ck.TrayMoving(self.now))

    @rule(outcome=outcomes)
    def tray_settles(self, outcome):
        self.send(ck.TraySettled(self.now, outcome))

    @rule()
    def tray_emptied(self):
        self.send(ck.TrayEmptied(self.now))

    @rule(sku=st.sampled_from(SKUS))
    def scan(self, sku):
        self.send(ck.ItemScanned(self.now, sku))

    @rule(action=st.sampled_from(list(ck.StaffAction)), reason=st.sampled_from(["", "ok"]))
    def staff(self, action, reason):
        self.send(ck.StaffResolved(self.now, "S1", action, reason))

    @rule(method=st.sampled_from(["qr", "card"]))
    def pay(self, method):
        self.send(ck.PayRequested(self.now, method))

    @precondition(lambda self: self.started)
    @rule(data=st.data())
    def terminal_approves(self, data):
        attempt = data.draw(st.sampled_from(sorted(self.started)))
        self.charged[attempt] = self.started[attempt]
        self.send(ck.PaymentApproved(self.now, attempt, self.started[attempt], "R"))

    @precondition(lambda self: self.c.payment is not None)
    @rule()
    def terminal_declines(self):
        if self.c.payment.attempt_id not in self.charged:
            self.send(ck.PaymentDeclined(self.now, self.c.payment.attempt_id, "no"))

    @rule()
    def shopper_cancels(self):
        self.send(ck.PaymentCancelled(self.now))

    @rule()
    def receipt_done(self):
        self.send(ck.ReceiptDone(self.now))

    @rule(device=st.sampled_from(["scale", "camera"]), up=st.booleans())
    def device(self, device, up):
        self.send(
            ck.DeviceRecovered(self.now, device) if up else ck.DeviceFault(self.now, device, "gone")
        )

    @rule()
    def power_cut_and_restart(self):
        # Every transition was persisted, so the restart starts from the current state.
        self.now += 5
        self.apply(ck.recover(self.c, self.now))

    @invariant()
    def totals_equal_the_sum_of_lines(self):
        assert self.c.basket.total == sum(ln.total for ln in self.c.basket.active_lines)
        assert all(ln.total >= 0 for ln in self.c.basket.lines)

    @invariant()
    def every_charge_is_recorded_or_refunded_never_both(self):
        for attempt in self.charged:
            kept, returned = attempt in self.recorded, attempt in self.refunded
            assert not (kept and returned), f"{attempt} both kept and refunded"
            pending = self.c.payment is not None and self.c.payment.attempt_id == attempt
            assert kept or returned or pending, f"{attempt} charged but lost"

    @invariant()
    def one_sale_per_session(self):
        assert len(self.recorded) == len(set(self.recorded.values()))

    @invariant()
    def payment_only_while_paying_or_uncertain(self):
        if self.c.payment is not None:
            assert self.c.phase in (Phase.PAYING, Phase.ASSIST)


CheckoutMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCheckoutProperties = CheckoutMachine.TestCase
