"""Writes the loader's fixtures that stand for real exports, byte for byte from a fixed seed,
with the standard library only (no package needed):

- tests/fixtures/breast_cancer_original.csv: the shape of UCI's original breast-cancer-wisconsin
  table (699 rows; an `ID` column of 7-digit sample codes, 645 distinct, a few samples appearing
  twice; nine cytology scores 1-10 with 16 `?` in Bare Nuclei; Class 2 or 4, 458 and 241 rows).
  The scores are drawn per class, not copied: the file shows what the loader must make of the
  columns, not the data.
- tests/fixtures/formatted_numbers.csv and formatted_numbers_eu.csv: numbers as spreadsheets and
  accounting exports format them, 60 rows: a price with a currency sign and thousands
  separators (`$1,234.50`, `-$12.00`), a share in percent (`12.5%`), a count with thousands
  separators in quotes (`"1,234"`, `"2,500,000"`), a balance with accounting negatives
  (`(1,234.50)`), a text column and a label; the second as a European export writes it (`;`,
  `1.234,50 €`, `12,5 %`, `(1.234,50)`).
- tests/fixtures/lr_range.csv: a recorded LR range test as a recorder saves it (`lr,loss`, 100
  points, the LR from 1e-6 to 10 geometrically, a loss that falls, then blows up).

Run from the repository root: python3 bench/loader_fixtures.py
"""

import random

SCORES = [
    "Clump Thickness",
    "Uniformity of Cell Size",
    "Uniformity of Cell Shape",
    "Marginal Adhesion",
    "Single Epithelial Cell Size",
    "Bare Nuclei",
    "Bland Chromatin",
    "Normal Nucleoli",
    "Mitoses",
]


def breast_cancer_original(path):
    rng = random.Random(17)
    codes = rng.sample(range(1_000_000, 1_400_000), 645)
    ids = codes + [rng.choice(codes) for _ in range(699 - 645)]
    rng.shuffle(ids)
    classes = [2] * 458 + [4] * 241
    rng.shuffle(classes)
    missing = set(rng.sample(range(699), 16))
    lines = ["ID," + ",".join(SCORES) + ",Class"]
    for row, (code, label) in enumerate(zip(ids, classes)):
        centre = 2.5 if label == 2 else 7.0
        scores = [str(min(10, max(1, round(rng.gauss(centre, 2.0))))) for _ in SCORES]
        if row in missing:
            scores[5] = "?"
        lines.append(f"{code}," + ",".join(scores) + f",{label}")
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def formatted_numbers(path, european):
    rng = random.Random(11)
    sep, point, group = (";", ",", ".") if european else (",", ".", ",")

    def grouped(v, decimals):
        text = f"{abs(v):,.{decimals}f}"
        return text.replace(",", "_").replace(".", point).replace("_", group)

    def quoted(text):
        return f'"{text}"' if sep in text else text

    lines = [sep.join(["price", "discount", "units", "balance", "region", "label"])]
    for i in range(60):
        price = rng.uniform(-50, 5000)
        money = grouped(price, 2)
        price_text = (f"{money} €" if price >= 0 else f"-{money} €") if european else (
            f"${money}" if price >= 0 else f"-${money}"
        )
        discount = f"{rng.uniform(0, 40):.1f}".replace(".", point) + (" %" if european else "%")
        units = grouped(rng.choice([rng.randint(1, 999), rng.randint(1000, 99999), rng.randint(10**6, 10**7)]), 0)
        balance = rng.uniform(-3000, 3000)
        balance_text = f"({grouped(balance, 2)})" if balance < 0 else grouped(balance, 2)
        region = rng.choice(["north", "south", "east", "west"])
        label = "yes" if price + 100 * rng.gauss(0, 1) > 2500 else "no"
        cells = [price_text, discount, units, balance_text, region, label]
        lines.append(sep.join(quoted(c) for c in cells))
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def lr_range(path):
    rng = random.Random(5)
    lines = ["lr,loss"]
    for i in range(100):
        lr = 1e-6 * 10 ** (7 * i / 99)
        loss = 2.3 - 2.0 / (1 + (1e-3 / lr) ** 1.5) + (lr / 0.3) ** 2 + rng.gauss(0, 0.02)
        lines.append(f"{lr:.6g},{loss:.5f}")
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    breast_cancer_original("tests/fixtures/breast_cancer_original.csv")
    formatted_numbers("tests/fixtures/formatted_numbers.csv", european=False)
    formatted_numbers("tests/fixtures/formatted_numbers_eu.csv", european=True)
    lr_range("tests/fixtures/lr_range.csv")
