"""The review web page: people at headquarters confirm or correct what kiosks decided.

    GET  /review                  hard cases, pending first (?status=reviewed|all)
    GET  /review/cases/{id}       the tray picture with the camera's boxes, the weight,
                                  the decision; a form naming each box's true SKU
    POST /review/cases/{id}       save the review, go on to the next pending case
    GET  /review/images/{sha256}  a case's picture
    GET  /review/fleet            the kiosks, what each runs, the model releases and
                                  their rollout, and who changed it last
    POST /review/fleet            roll a release out to a share of the kiosks (a
                                  canary; 100 % makes it stable) or halt a canary
    GET|POST /review/login, POST /review/logout

Sign-in is with an admin token (`hq admin-token add NAME`): the name signs the
reviews and the rollout changes. The token is kept in an HttpOnly, SameSite=Strict
cookie scoped to /review, and a form post must come from this site (its Origin, when
the browser sends one), so another site cannot post reviews or roll out a model in a
signed-in engineer's name. Pages are rendered on the server with Jinja2 (autoescaped:
SKUs and notes come from kiosks and people).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from hq.db import HqDatabase, HqStoreError
from hq.images import HqImageStore
from hq.review import (
    MAX_MISSED_ROWS,
    NOT_AN_ITEM,
    CaseView,
    ReviewError,
    SaleSummary,
    case_view,
    catalog_products,
    outcome,
    parse_form,
    request_text,
    sale_summary,
    true_counts,
)

COOKIE = "hq_review"
PAGE = 50
OUTCOME_DAYS = 7  # the fleet page compares releases on the sales of this many days
MAX_FORM_BYTES = 64 * 1024

_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["when"] = lambda t: time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "—"


def wilson(part: int, whole: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson interval of a share: honest for the few sales a new canary has
    (a plain p ± 2 sd would go below zero and claim too much)."""
    if whole <= 0:
        return 0.0, 1.0
    p = part / whole
    centre = (p + z * z / (2 * whole)) / (1 + z * z / whole)
    half = z * ((p * (1 - p) + z * z / (4 * whole)) / whole) ** 0.5 / (1 + z * z / whole)
    return max(0.0, centre - half), min(1.0, centre + half)


def _range(part: int, whole: int) -> str:
    if not whole:
        return ""
    lo, hi = wilson(part, whole)
    return f"{100 * lo:.0f}–{100 * hi:.0f} %"


def release_outcome_rows(
    outcomes: dict[str, dict[str, int]],
    running: dict[str, int],
    rollouts: dict[str, dict] | None = None,
) -> list[dict[str, object]]:
    """What the fleet page lists per release: its kiosks and its sales' outcomes, so a
    canary that asks shoppers more often than the stable release shows beside it.
    A canary's hard-case share is compared with its stable release's only where their
    95 % intervals part: a difference of a few sales is not called one."""
    empty = {"sales": 0, "hard_cases": 0, "abandoned": 0}
    stable_of = {r["canary"]: r["stable"] for r in (rollouts or {}).values() if r.get("canary")}
    rows = []
    for ref in sorted(set(outcomes) | set(running)):
        o = outcomes.get(ref, empty)
        against = ""
        if stable_of.get(ref):
            base = outcomes.get(stable_of[ref], empty)
            if not o["sales"] or not base["sales"]:
                against = f"not enough sales beside {stable_of[ref]} yet"
            else:
                lo, hi = wilson(o["hard_cases"], o["sales"])
                base_lo, base_hi = wilson(base["hard_cases"], base["sales"])
                if lo > base_hi:
                    against = f"more hard cases than {stable_of[ref]}"
                elif hi < base_lo:
                    against = f"fewer hard cases than {stable_of[ref]}"
                else:
                    against = f"no clear difference from {stable_of[ref]} yet"
        rows.append(
            {
                "ref": ref or "(none)",
                "kiosks": running.get(ref, 0),
                "sales": o["sales"],
                "hard_cases": o["hard_cases"],
                "hard_share": _share(o["hard_cases"], o["sales"]),
                "hard_range": _range(o["hard_cases"], o["sales"]),
                "abandoned": o["abandoned"],
                "abandoned_share": _share(o["abandoned"], o["sales"]),
                "against_stable": against,
            }
        )
    return rows


class ReviewPages:
    def __init__(self, db: HqDatabase, images: HqImageStore) -> None:
        self.db = db
        self.images = images

    def routes(self) -> list[Route]:
        return [
            Route("/review", self.index, methods=["GET"]),
            Route("/review/login", self.login, methods=["GET", "POST"]),
            Route("/review/logout", self.logout, methods=["POST"]),
            Route("/review/cases/{case_id}", self.case, methods=["GET", "POST"]),
            Route("/review/images/{sha256}", self.image, methods=["GET"]),
            Route("/review/fleet", self.fleet, methods=["GET", "POST"]),
        ]

    # ---- plumbing ----

    async def _reviewer(self, request: Request) -> str | None:
        token = request.cookies.get(COOKIE, "")
        return await run_in_threadpool(self.db.admin_name, token) if token else None

    @staticmethod
    def _to_login(request: Request) -> Response:
        return RedirectResponse(f"/review/login?next={quote(request.url.path)}", 303)

    @staticmethod
    def _same_site(request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:  # not every browser sends it on a same-origin form post
            return True
        return urlsplit(origin).netloc == request.headers.get("host", "")

    @staticmethod
    async def _form(request: Request) -> dict[str, str]:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise ReviewError("the form must be sent as application/x-www-form-urlencoded")
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_FORM_BYTES:
                raise ReviewError("the form is too large")
        try:
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise ReviewError("the form is not UTF-8") from None

    @staticmethod
    def _page(name: str, code: int = 200, **values) -> HTMLResponse:
        html = _env.get_template(name).render(**values)
        return HTMLResponse(html, code, headers={"Cache-Control": "no-store"})

    # ---- pages ----

    async def login(self, request: Request) -> Response:
        target = request.query_params.get("next", "/review")
        if not target.startswith("/review"):
            target = "/review"  # never bounce a reviewer off this site
        if request.method == "GET":
            return self._page("login.html", next=target, error="")
        if not self._same_site(request):
            return self._page("login.html", 403, next=target, error="sign in from this site")
        try:
            token = (await self._form(request)).get("token", "").strip()
        except ReviewError as err:
            return self._page("login.html", 400, next=target, error=str(err))
        if not token or await run_in_threadpool(self.db.admin_name, token) is None:
            return self._page(
                "login.html", 401, next=target, error="unknown token: hq admin-token add NAME"
            )
        response = RedirectResponse(target, 303)
        response.set_cookie(
            COOKIE,
            token,
            path="/review",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=12 * 3600,
        )
        return response

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse("/review/login", 303)
        response.delete_cookie(COOKIE, path="/review")
        return response

    async def index(self, request: Request) -> Response:
        reviewer = await self._reviewer(request)
        if reviewer is None:
            return self._to_login(request)
        status = request.query_params.get("status", "pending")
        if status not in ("pending", "reviewed", "all"):
            status = "pending"
        try:
            page = max(0, int(request.query_params.get("page", "0")))
        except ValueError:
            page = 0
        rows = await run_in_threadpool(self.db.hard_cases, status, PAGE + 1, page * PAGE)
        counts = await run_in_threadpool(self.db.review_counts)
        cases = [(case_view(r), r["review"]) for r in rows[:PAGE]]
        return self._page(
            "review_list.html",
            reviewer=reviewer,
            status=status,
            counts=counts,
            cases=cases,
            page=page,
            more=len(rows) > PAGE,
        )

    async def case(self, request: Request) -> Response:
        reviewer = await self._reviewer(request)
        if reviewer is None:
            return self._to_login(request)
        case_id = request.path_params["case_id"]
        row = await run_in_threadpool(self.db.hard_case, case_id)
        if row is None:
            return self._page("message.html", 404, title="Not found", text=f"no case {case_id}")
        view = case_view(row)
        products = await run_in_threadpool(self._products, view.store_id)
        if request.method == "GET":
            sale = await run_in_threadpool(self._sale, view.sale_id)
            return self._case_page(view, row["review"], products, reviewer, "", None, sale=sale)
        if not self._same_site(request):
            return self._page("message.html", 403, title="Refused", text="post from this site")
        form: dict[str, str] = {}
        try:
            form = await self._form(request)
            known = {sku for sku, _ in products} or None
            boxes, missed, note = parse_form(form, view, known)
        except ReviewError as err:
            sale = await run_in_threadpool(self._sale, view.sale_id)
            return self._case_page(
                view, row["review"], products, reviewer, str(err), form, 400, sale=sale
            )
        result = outcome(view, boxes, missed)
        await run_in_threadpool(self.db.save_review, case_id, result, boxes, missed, reviewer, note)
        after = await run_in_threadpool(self.db.hard_cases, "pending", 1, 0)
        target = f"/review/cases/{quote(after[0]['id'])}" if after else "/review?status=reviewed"
        return RedirectResponse(target, 303)

    def _sale(self, sale_id: str | None) -> SaleSummary | None:
        record = self.db.record("sales", sale_id) if sale_id else None
        return sale_summary(record["body"]) if record else None

    def _products(self, store_id: str | None) -> list[tuple[str, str]]:
        catalog = self.db.current_catalog(store_id) if store_id else None
        return catalog_products(catalog.body if catalog else None)

    def _case_page(
        self,
        view: CaseView,
        review: dict | None,
        products: list[tuple[str, str]],
        reviewer: str,
        error: str,
        form: dict[str, str] | None,
        status: int = 200,
        sale: SaleSummary | None = None,
    ) -> HTMLResponse:
        # what the form shows: what was posted (after an error), else the saved review,
        # else the camera's best guess for each box
        if form is not None:
            chosen = [form.get(f"box_{i}", b.guess) for i, b in enumerate(view.boxes)]
            missed = [
                (form.get(f"missed_sku_{i}", ""), form.get(f"missed_n_{i}", "1"))
                for i in range(MAX_MISSED_ROWS)
            ]
            note = form.get("note", "")
        elif review is not None:
            chosen = list(review["boxes"]) + [b.guess for b in view.boxes[len(review["boxes"]) :]]
            missed = [(s, str(n)) for s, n in sorted(review["missed"].items())]
            note = review["note"]
        else:
            chosen = [b.guess for b in view.boxes]
            missed = []
            note = ""
        missed += [("", "1")] * (MAX_MISSED_ROWS - len(missed))
        reviewed = None
        if review is not None:
            reviewed = sorted(true_counts(review["boxes"], review["missed"]).items())
        names = dict(products)
        return self._page(
            "review_case.html",
            status,
            case=view,
            review=review,
            reviewed=reviewed,
            reviewer=reviewer,
            error=error,
            chosen=chosen,
            missed=missed[:MAX_MISSED_ROWS],
            note=note,
            products=products,
            names=names,
            not_an_item=NOT_AN_ITEM,
            decided=sorted(view.decided.items()),
            asked=[request_text(r, names) for r in view.requests],
            sale=sale,
        )

    async def fleet(self, request: Request) -> Response:
        """The kiosks and what each runs (their last heartbeat), and the model releases
        with their rollout: the page an engineer watches a canary on."""
        reviewer = await self._reviewer(request)
        if reviewer is None:
            return self._to_login(request)
        if request.method == "POST":
            if not self._same_site(request):
                return self._page("message.html", 403, title="Refused", text="post from this site")
            try:
                await run_in_threadpool(self._change_rollout, await self._form(request), reviewer)
            except (ReviewError, HqStoreError) as err:
                return await self._fleet_page(reviewer, str(err), 400)
            return RedirectResponse("/review/fleet", 303)
        return await self._fleet_page(reviewer)

    def _change_rollout(self, form: dict[str, str], by: str) -> None:
        action = form.get("action", "")
        if action == "halt":
            self.db.halt_rollout(form.get("name", ""), by=by)
            return
        if action != "rollout":
            raise ReviewError(f"unknown rollout action {action!r}")
        try:
            percent = int(form.get("percent", ""))
        except ValueError:
            raise ReviewError("the share of kiosks is a whole number from 1 to 100") from None
        self.db.rollout(form.get("ref", ""), percent, by=by)

    async def _fleet_page(self, reviewer: str, error: str = "", status: int = 200) -> Response:
        devices = await run_in_threadpool(self.db.devices)
        releases = await run_in_threadpool(self.db.model_releases)
        rollouts = await run_in_threadpool(self.db.rollouts)
        now = time.time()
        rows = []
        for d in devices:
            beat = d.get("last_heartbeat") or {}
            seen = d.get("last_heartbeat_at")
            rows.append(
                {
                    "device_id": d["device_id"],
                    "store_id": d["store_id"],
                    "seen": seen,
                    "silent": seen is None or now - seen > 15 * 60,
                    "app": beat.get("app_version") or "",
                    "model": beat.get("model_version") or "",
                    "provider": beat.get("execution_provider") or "",
                    "model_update": beat.get("model_update") or "",
                    "size_check": beat.get("size_check") or "",
                    "backlog": beat.get("backlog", ""),
                    "error": beat.get("last_error") or "",
                }
            )
        running: dict[str, int] = {}
        for r in rows:
            if r["model"]:
                running[r["model"]] = running.get(r["model"], 0) + 1
        since = now - OUTCOME_DAYS * 86400
        outcomes = await run_in_threadpool(self.db.release_outcomes, since)
        return self._page(
            "fleet.html",
            status,
            reviewer=reviewer,
            error=error,
            devices=rows,
            releases=releases,
            rollouts=sorted(rollouts.items()),
            stable_refs={r["stable"] for r in rollouts.values() if r["stable"]},
            canary_shares={r["canary"]: r["percent"] for r in rollouts.values() if r["canary"]},
            running=running,
            outcomes=release_outcome_rows(outcomes, running, rollouts),
            outcome_days=OUTCOME_DAYS,
            changes=await run_in_threadpool(self.db.rollout_changes),
        )

    async def image(self, request: Request) -> Response:
        if await self._reviewer(request) is None:
            return Response("sign in at /review/login", 401)
        sha = request.path_params["sha256"]
        try:
            path = self.images.path(sha)
        except ValueError:
            return Response("not an image id", 404)
        if not path.is_file():
            return Response("no such image", 404)
        return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private"})
