"""Reference data seeded on first start: the currency list and the default pipeline stages."""

from __future__ import annotations

from typing import NamedTuple


class CurrencySeed(NamedTuple):
    abbreviation: str
    symbol: str
    title: str
    culture_name: str
    is_convertable: bool
    is_basic: bool


# The 74 currencies of the original install, with the later symbol fixes (spec 5.1).
CURRENCIES: tuple[CurrencySeed, ...] = (
    CurrencySeed("AED", "د.إ", "United Arab Emirates Dirham", "AE", True, False),
    CurrencySeed("AMD", "dram", "Armenian Dram", "AM", False, False),
    CurrencySeed("AOA", "Kz", "Angolan Kwanza", "AO", False, False),
    CurrencySeed("ARS", "$a", "Argentinian Peso", "AR", True, False),
    CurrencySeed("AUD", "A$", "Australian Dollar", "AU", True, True),
    CurrencySeed("AZN", "₼", "Azerbaijani Manat", "AZ", False, False),
    CurrencySeed("BDT", "Tk", "Bangladeshi Taka", "BD", True, False),
    CurrencySeed("BGN", "лв", "Bulgarian Lev", "BG", True, False),
    CurrencySeed("BRL", "R$", "Brazilian Real", "BR", True, False),
    CurrencySeed("BYN", "Br", "New Belarusian Ruble", "BY", False, False),
    CurrencySeed("BYR", "Br", "Belarusian Ruble", "BY", False, False),
    CurrencySeed("CAD", "C$", "Canadian Dollar", "CA", True, True),
    CurrencySeed("CHF", "Fr", "Swiss Franc", "CH", True, True),
    CurrencySeed("CLP", "$", "Chilean Peso", "CL", True, False),
    CurrencySeed("CNY", "¥", "Chinese Yuan", "CN", True, False),
    CurrencySeed("COP", "$", "Colombian Peso", "CO", True, False),
    CurrencySeed("CRC", "₡", "Costa Rican Colón", "CR", False, False),
    CurrencySeed("CUP", "$", "Cuban Peso", "CU", False, False),
    CurrencySeed("CZK", "Kc", "Czech Koruna", "CZ", True, False),
    CurrencySeed("DKK", "kr", "Danish Krone", "DK", True, False),
    CurrencySeed("DOP", "RD$", "Dominican Peso", "DO", True, False),
    CurrencySeed("DZD", "د.ج", "Algerian Dinar", "DZ", False, False),
    CurrencySeed("ETB", "Br", "Ethiopian Birr", "ET", False, False),
    CurrencySeed("EUR", "€", "Euro", "EU", True, True),
    CurrencySeed("GBP", "£", "Pound Sterling", "GB", True, True),
    CurrencySeed("GEL", "ლარი", "Georgian Lari", "GE", False, False),
    CurrencySeed("HKD", "HK$", "Hong Kong Dollar", "HK", True, False),
    CurrencySeed("HRK", "kn", "Croatian Kuna", "HR", True, False),
    CurrencySeed("HUF", "Ft", "Hungarian Forint", "HU", True, False),
    CurrencySeed("IDR", "Rp", "Indonesian Rupiah", "ID", True, False),
    CurrencySeed("ILS", "₪", "Israeli Shekel", "IL", True, False),
    CurrencySeed("INR", "₨", "Indian Rupee", "IN", True, False),
    CurrencySeed("JPY", "¥", "Japanese Yen", "JP", True, True),
    CurrencySeed("KES", "KSh", "Kenyan Shilling", "KE", True, False),
    CurrencySeed("KRW", "₩", "South Korean Won", "KR", True, False),
    CurrencySeed("KWD", "K.D.", "Kuwaiti Dinar", "KW", True, False),
    CurrencySeed("KZT", "тңг", "Kazakhstani Tenge", "KZ", False, False),
    CurrencySeed("LTL", "Lt", "Lithuanian Litas", "LT", False, False),
    CurrencySeed("LVL", "Ls", "Latvian Lat", "LV", False, False),
    CurrencySeed("MAD", "د.م", "Moroccan Dirham", "MA", True, False),
    CurrencySeed("MDL", "lei", "Moldovan Leu", "MD", True, False),
    CurrencySeed("MGA", "Ar", "Malagasy Ariary", "MG", True, False),
    CurrencySeed("MNT", "₮", "Mongolian Tugrik", "MN", False, False),
    CurrencySeed("MUR", "Rs", "Mauritian Rupee", "MU", True, False),
    CurrencySeed("MXN", "MEX$", "Mexican Peso", "MX", True, False),
    CurrencySeed("MYR", "RM", "Malaysian Ringgit", "MY", True, False),
    CurrencySeed("NGN", "₦", "Nigerian Naira", "NG", True, False),
    CurrencySeed("NOK", "kr", "Norwegian Krone", "NO", True, False),
    CurrencySeed("NZD", "NZ$", "New Zealand Dollar", "NZ", True, False),
    CurrencySeed("OMR", "ر.ع", "Omani Rial", "OM", True, False),
    CurrencySeed("PHP", "P", "Philippine Peso", "PH", True, False),
    CurrencySeed("PKR", "Rp.", "Pakistani Rupee", "PK", True, False),
    CurrencySeed("PLN", "zł", "Polish Zloty", "PL", True, False),
    CurrencySeed("QAR", "ر.ق.\u200f", "Qatari Riyal", "QA", True, False),
    CurrencySeed("RON", "lei", "Romanian Leu", "RO", True, False),
    CurrencySeed("RSD", "din.", "Serbian Dinar", "SR", True, False),
    CurrencySeed("RUB", "₽", "Rouble", "RU", True, False),
    CurrencySeed("SAR", "ر.س", "Saudi Riyal", "SA", True, False),
    CurrencySeed("SEK", "kr", "Swedish Krona", "SE", True, False),
    CurrencySeed("SGD", "S$", "Singapore Dollar", "SG", True, False),
    CurrencySeed("THB", "฿", "Thai Baht", "TH", True, False),
    CurrencySeed("TND", "DT", "Tunisian Dinar", "TN", True, False),
    CurrencySeed("TRY", "YTL", "Turkish New Lira", "TR", True, False),
    CurrencySeed("TTD", "TT$", "Trinidad and Tobago Dollar", "TT", False, False),
    CurrencySeed("UAH", "грн.", "Ukraine Hryvnia", "UA", True, False),
    CurrencySeed("USD", "$", "United States Dollar", "US", True, True),
    CurrencySeed("UZS", "som", "Uzbekistani Som", "UZ", False, False),
    CurrencySeed("VEF", "Bs.", "Venezuelan Bolivar", "VE", False, False),
    CurrencySeed("VES", "Bs.S", "Venezuelan Bolivar Soberano", "VE", True, False),
    CurrencySeed("VND", "₫", "Vietnamese Dong", "VN", True, False),
    CurrencySeed("XAF", "franc", "Central African Franc", "CF", True, False),
    CurrencySeed("XOF", "franc", "West African Franc", "ML", True, False),
    CurrencySeed("XPF", "franc", "Pacific franc", "NC", True, False),
    CurrencySeed("ZAR", "R", "South African Rand", "ZA", True, False),
)


class StageSeed(NamedTuple):
    title: str
    description: str
    success_probability: int
    color: str
    stage_type: int  # 0 open, 1 closed and won, 2 closed and lost


# The nine default stages of the original portal, in creation order (spec 5.2), with the
# original's English descriptions (CRMDealResource.DealMilestone_*_Description), which clients
# compare against. Their sort orders are 0..8 here; the original's colliding values are a bug
# nobody depends on.
STAGES: tuple[StageSeed, ...] = (
    StageSeed(
        "Initial contact",
        ("A contact with the potential buyer is needed to understand the future sales prospective"),
        1,
        "#e795c1",
        0,
    ),
    StageSeed(
        "Application of initial fit criteria",
        ("The salesperson tries to identify whether the customer can be his/her potential buyer"),
        2,
        "#df7895",
        0,
    ),
    StageSeed(
        "Suspect",
        (
            "The potential buyer is identified as a person or entity that has the "
            "interest and authority to purchase a product or service"
        ),
        3,
        "#f48454",
        0,
    ),
    StageSeed(
        "Need assessment",
        (
            "The salesperson takes a series of question and answer sessions in "
            "order to identify the requirements of the prospect"
        ),
        20,
        "#b58fd6",
        0,
    ),
    StageSeed(
        "Qualified prospect",
        ("The potential buyer has expressed his interest in the salesperson's goods or services"),
        50,
        "#d28cc8",
        0,
    ),
    StageSeed(
        "Proposal",
        "The potential buyer has received a written offering from the salesperson",
        75,
        "#ffb45e",
        0,
    ),
    StageSeed(
        "Negotiations",
        "The potential buyer has already discussed your offering in details",
        90,
        "#ffd267",
        0,
    ),
    StageSeed(
        "Closure/Transaction",
        "A deal. The opportunity is closed successfully",
        100,
        "#6bbd72",
        1,
    ),
    StageSeed(
        "Unsuccessfully closed",
        "A failure. The opportunity is closed due to the lack of perspective",
        0,
        "#f2a9be",
        2,
    ),
)
