"""What the seeded demo merchant sells, where, and to whom.

The demo merchant is a Thai lifestyle shop with branches in Bangkok, Chiang
Mai and Phuket and an online store. Prices are in baht (THB main unit); the
seeder turns them into satang. Every list is ordered, so seeding stays
deterministic.
"""

from __future__ import annotations

# (description, price in baht). Thai and English names, as a real shop has.
PRODUCTS: tuple[tuple[str, int], ...] = (
    ("ชาไทยเย็น ชุด 6 แก้ว", 390),
    ("กาแฟดอยช้าง คั่วกลาง 500 กรัม", 450),
    ("ข้าวหอมมะลิ 5 กก.", 245),
    ("ผ้าไหมไทย ลายมัดหมี่", 2450),
    ("หมอนยางพารา", 1590),
    ("เสื้อยืดลายช้าง", 290),
    ("ชุดของขวัญสปา", 1290),
    ("ทุเรียนทอดกรอบ 200 กรัม", 180),
    ("น้ำมันมะพร้าวสกัดเย็น 500 มล.", 320),
    ("ชุดเครื่องเบญจรงค์", 6800),
    ("กระเป๋าสานกระจูด", 850),
    ("คอร์สทำอาหารไทย ต้มยำกุ้ง", 1800),
    ("Celadon tea set", 4800),
    ("Muay Thai gloves", 2900),
    ("Elephant pants", 390),
    ("Teak serving tray", 1450),
    ("Coconut shell bowl set", 560),
    ("Thai cooking class (half day)", 1800),
    ("Gift voucher 1,000 THB", 1000),
    ("Gift voucher 5,000 THB", 5000),
    ("Deluxe room, 1 night (Patong)", 3500),
    ("Pool villa, 2 nights (Kata)", 18900),
    ("Annual membership", 12000),
    ("Handwoven silk scarf", 1250),
    ("Teak dining table", 48000),
    ("Gold necklace 1 baht weight", 42500),
    ("Rattan armchair", 7900),
    ("Jasmine rice 1 kg", 69),
)

# Cheap items sell more often: weights parallel to PRODUCTS.
PRODUCT_WEIGHTS: tuple[int, ...] = (
    14, 12, 14, 4, 5, 14, 6, 12, 9, 1, 6, 3,
    2, 3, 10, 4, 6, 3, 5, 2, 3, 1, 1, 5, 1, 1, 1, 16,
)  # fmt: skip

# Products sold to foreign cards in JPY (yen) and SGD (cents).
JPY_PRICES: tuple[int, ...] = (800, 1200, 1500, 2400, 3500, 5800, 12800, 24000)
SGD_PRICES: tuple[int, ...] = (1500, 2890, 4500, 8900, 12900, 25000, 68000)

BRANCHES: tuple[str, ...] = (
    "Siam Paragon",
    "สาขาเซ็นทรัลเวิลด์",
    "ICONSIAM",
    "Thonglor",
    "เชียงใหม่ นิมมาน",
    "Chiang Mai Airport",
    "ภูเก็ต ป่าตอง",
    "Online store",
)
BRANCH_WEIGHTS: tuple[int, ...] = (14, 12, 9, 7, 8, 4, 9, 37)

CAMPAIGNS: tuple[str, ...] = (
    "songkran-sale",
    "payday-weekend",
    "line-oa-coupon",
    "member-day",
    "11.11",
)

# Cardholder names as they are embossed on cards.
GIVEN_NAMES: tuple[str, ...] = (
    "SOMCHAI", "SOMSAK", "SUDARAT", "NATTAYA", "KITTIPONG", "PORNPIMOL",
    "WIRAT", "CHANYA", "ANUCHA", "SIRIPORN", "THANAKORN", "PIYAPORN",
    "KENJI", "YUKI", "WEI LING", "DANIEL", "EMMA", "ARJUN",
)  # fmt: skip
FAMILY_NAMES: tuple[str, ...] = (
    "JAIDEE", "SRISUK", "WONGSAWAT", "CHAIYAPORN", "RATTANAKUL",
    "SUKSAWAT", "THONGDEE", "PHROMMA", "TANAKA", "SATO", "TAN", "LIM",
    "SMITH", "MUELLER",
)  # fmt: skip

# (brand, weight, first digits of its numbers)
CARD_BRANDS: tuple[tuple[str, int], ...] = (
    ("Visa", 55),
    ("MasterCard", 30),
    ("JCB", 8),
    ("American Express", 4),
    ("UnionPay", 3),
)
CARD_BANKS: tuple[str, ...] = (
    "Kasikornbank",
    "Siam Commercial Bank",
    "Bangkok Bank",
    "Krungthai Bank",
    "Bank of Ayudhya",
    "KTC",
    "",
)

# (source type, weight in the non-card share, flow)
SOURCE_TYPES: tuple[tuple[str, int, str], ...] = (
    ("promptpay", 200, "offline"),
    ("mobile_banking_scb", 40, "app_redirect"),
    ("mobile_banking_kbank", 40, "app_redirect"),
    ("mobile_banking_bbl", 20, "app_redirect"),
    ("truemoney", 50, "redirect"),
    ("rabbit_linepay", 30, "redirect"),
    ("alipay", 15, "redirect"),
    ("wechat_pay", 15, "app_redirect"),  # as recorded
    ("installment_kbank", 20, "redirect"),
    ("installment_bay", 10, "redirect"),
)
CARD_WEIGHT = 550

DISPUTE_REASONS: tuple[tuple[str, str], ...] = (
    ("goods_or_services_not_provided", "Merchandise/Services Not Received"),
    ("transaction_not_recognised", "Cardholder does not recognise transaction"),
    ("duplicate_processing", "Duplicate processing"),
    ("not_as_described_or_defective_merchandise", "Not as described or defective"),
    ("unauthorized_charge", "Unauthorized charge"),
)

# Hour-of-day weights in Bangkok (UTC+7): quiet nights, lunch and evening peaks.
HOUR_WEIGHTS: tuple[int, ...] = (
    2, 1, 1, 1, 1, 1, 2, 4, 7, 9, 11, 13,
    15, 13, 11, 10, 10, 11, 13, 15, 15, 12, 8, 4,
)  # fmt: skip
