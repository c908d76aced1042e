"""Sales report helpers: the sample file that ``poe-lsp demo`` works on."""


def top_products(orders, n):
    totals = {}
    for order in orders:
        sku = order["sku"]
        if sku in totals:
            totals[sku] = totals[sku] + order["qty"] * order["unit_price"]
        else:
            totals[sku] = order["qty"] * order["unit_price"]
    ranked = []
    for sku in totals:
        ranked.append((sku, totals[sku]))
    ranked.sort(key=lambda pair: pair[1], reverse=True)
    result = []
    for i in range(len(ranked)):
        if i < n:
            result.append(ranked[i])
    return result


if __name__ == "__main__":
    sales = [
        {"sku": "apple", "qty": 3, "unit_price": 0.5},
        {"sku": "pear", "qty": 1, "unit_price": 0.75},
        {"sku": "apple", "qty": 2, "unit_price": 0.5},
        {"sku": "plum", "qty": 10, "unit_price": 0.2},
    ]
    print(top_products(sales, 2))
