import copy
import json

import pytest

from kiosk.catalog_file import DEMO_CATALOG, load_catalog, parse_catalog_bytes
from kiosk.domain.catalog import CatalogError, Pricing, ean13_is_valid, parse_catalog


@pytest.fixture()
def doc():
    return json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))


def test_demo_catalog_is_the_small_store_the_issue_describes(catalog):
    assert 35 <= len(catalog) <= 45
    assert all(ean13_is_valid(p.barcode) for p in catalog)
    assert sum(p.sold_by_weight for p in catalog) >= 3
    assert {p.category for p in catalog if p.age_restricted} == {"alcohol", "tobacco"}
    families = {p.family for p in catalog if p.family}
    assert len(families) >= 3
    # one brand in several flavours, weights equal or nearly so
    colas = catalog.family("cola-zero-330")
    assert len(colas) >= 2 and max(p.weight_g for p in colas) - min(p.weight_g for p in colas) <= 5
    # two brands of water with clearly different weights
    waters = catalog.family("water-spring-550")
    assert len({p.name_en.split()[0] for p in waters}) == 2
    assert max(p.weight_g for p in waters) - min(p.weight_g for p in waters) > 50


def test_lookups(catalog):
    cola = catalog.get("cola-zero-330")
    assert catalog.by_barcode(cola.barcode) is cola
    assert catalog.by_barcode("0000000000000") is None
    with pytest.raises(KeyError, match="unknown SKU 'nope'"):
        catalog.get("nope")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cgkl", "cola-classic-330"),  # pinyin initials of 晨光可乐
        ("chenguang", "cola-classic-330"),  # pinyin prefix
        ("chen guang", "cola-classic-330"),  # spaces ignored
        ("晨光", "cola-zero-330"),  # Chinese name
        ("mountain", "water-spring-550"),  # English name
        ("ping guo", "apple-fuji"),  # pinyin of a word inside the name
        ("Toast", "bread-toast-400"),  # case-insensitive English word
    ],
)
def test_search_finds_by_pinyin_chinese_and_english(catalog, query, expected):
    assert expected in [p.sku for p in catalog.search(query)]


def test_search_ranks_prefix_matches_first(catalog):
    results = catalog.search("xiang")
    assert results[0].pinyin.startswith("xiang")
    assert catalog.search("   ") == []


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["products"][0].update(price=-5), "products.0.price (sku 'cola-classic-330')"),
        (lambda d: d["products"][0].update(price=12.5), "products.0.price"),
        (lambda d: d["products"][1].update(weight_g=99999), "products.1.weight_g"),
        (lambda d: d["products"][2].update(barcode="6901234000031"), "valid EAN-13"),
        (lambda d: d["products"][2].update(pricing="per_litre"), "products.2.pricing"),
        (lambda d: d["products"][3].update(colour="#fff"), "products.3.colour"),
        (lambda d: d.update(currency="USD"), "currency"),
        (lambda d: d.update(products=[]), "products"),
    ],
)
def test_bad_catalogs_are_refused_naming_the_key(doc, mutate, message):
    bad = copy.deepcopy(doc)
    mutate(bad)
    with pytest.raises(CatalogError) as err:
        parse_catalog(bad)
    assert message in str(err.value)


def test_duplicate_barcode_and_sku_are_refused(doc):
    bad = copy.deepcopy(doc)
    bad["products"][5]["barcode"] = bad["products"][4]["barcode"]
    with pytest.raises(CatalogError, match="duplicate barcode"):
        parse_catalog(bad)
    bad = copy.deepcopy(doc)
    bad["products"][5]["sku"] = bad["products"][4]["sku"]
    with pytest.raises(CatalogError, match="duplicate sku"):
        parse_catalog(bad)


def test_unreadable_files_give_clear_errors(tmp_path):
    with pytest.raises(CatalogError, match="not valid JSON"):
        parse_catalog_bytes(b"{ nope", source="x.json")
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.json")
    with pytest.raises(CatalogError, match="must be an object"):
        parse_catalog_bytes(b"[1, 2]")


def test_toml_catalog_is_accepted(tmp_path, doc):
    lines = ['schema = 1\nversion = "t1"\ncurrency = "CNY"\nstore = "s"\n']
    p = doc["products"][0]
    lines.append("[[products]]\n")
    for k, v in p.items():
        if v is not None:
            lines.append(f"{k} = {json.dumps(v, ensure_ascii=False)}\n")
    path = tmp_path / "c.toml"
    path.write_text("".join(lines), encoding="utf-8")
    cat = load_catalog(path)
    assert cat.get(p["sku"]).pricing is Pricing(p["pricing"])


def test_only_produce_sold_by_weight_may_carry_a_size_weight_law(doc, catalog):
    apple = catalog.get("apple-fuji").size_weight
    assert apple is not None and 0.8 < apple.looks < 1.0 and 0 < apple.sd < 0.3
    assert catalog.get("cola-classic-330").size_weight is None
    bad = copy.deepcopy(doc)
    cola = next(p for p in bad["products"] if p["sku"] == "cola-classic-330")
    cola["size_weight"] = {"looks": 0.93, "sd": 0.1}
    with pytest.raises(CatalogError, match=r"(?s)cola-classic-330.*only for products sold by"):
        parse_catalog(bad)
