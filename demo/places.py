"""The demo area's geography and statutory partners: Leicestershire (DESIGN §10).

Agency identifiers are the real published ones (ONS, DfE, ODS) except where marked
synthetic; towns carry rough population weights and their LE postcode districts.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Town:
    name: str
    #: Rough population in thousands: how many households and schools the town gets.
    weight: int
    #: LE postcode districts (outward codes) of the town.
    outward: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class District:
    name: str
    ons_code: str
    towns: tuple[Town, ...]


COUNCIL_NAME = "Leicestershire County Council"
COUNCIL_ONS_CODE = "E10000018"
COUNCIL_LA_NUMBER = "855"

POLICE_NAME = "Leicestershire Police"
POLICE_ONS_CODE = "E23000021"

ICB_NAME = "NHS Leicester, Leicestershire and Rutland Integrated Care Board"
ICB_ODS_CODE = "QK1"
ACUTE_TRUST_NAME = "University Hospitals of Leicester NHS Trust"
ACUTE_TRUST_ODS_CODE = "RWE"
COMMUNITY_TRUST_NAME = "Leicestershire Partnership NHS Trust"
COMMUNITY_TRUST_ODS_CODE = "RT5"
#: GP practices in Leicester, Leicestershire and Rutland have ODS codes C82nnn.
PRACTICE_ODS_PREFIX = "C82"

DISTRICTS: tuple[District, ...] = (
    District(
        "Blaby",
        "E07000129",
        (
            Town("Braunstone Town", 17, ("LE3",)),
            Town("Glenfield", 9, ("LE3",)),
            Town("Leicester Forest East", 7, ("LE3",)),
            Town("Enderby", 6, ("LE19",)),
            Town("Narborough", 8, ("LE19",)),
            Town("Whetstone", 7, ("LE8",)),
            Town("Blaby", 7, ("LE8",)),
            Town("Countesthorpe", 6, ("LE8",)),
            Town("Kirby Muxloe", 5, ("LE9",)),
        ),
    ),
    District(
        "Charnwood",
        "E07000130",
        (
            Town("Loughborough", 66, ("LE11",)),
            Town("Shepshed", 14, ("LE12",)),
            Town("Syston", 13, ("LE7",)),
            Town("Birstall", 12, ("LE4",)),
            Town("Thurmaston", 10, ("LE4",)),
            Town("Sileby", 8, ("LE12",)),
            Town("Mountsorrel", 8, ("LE12",)),
            Town("Anstey", 7, ("LE7",)),
            Town("Barrow upon Soar", 6, ("LE12",)),
            Town("Quorn", 5, ("LE12",)),
            Town("Rothley", 4, ("LE7",)),
        ),
    ),
    District(
        "Harborough",
        "E07000131",
        (
            Town("Market Harborough", 24, ("LE16",)),
            Town("Lutterworth", 10, ("LE17",)),
            Town("Broughton Astley", 9, ("LE9",)),
            Town("Kibworth", 6, ("LE8",)),
            Town("Fleckney", 5, ("LE8",)),
            Town("Scraptoft", 5, ("LE7",)),
            Town("Great Glen", 4, ("LE8",)),
        ),
    ),
    District(
        "Hinckley and Bosworth",
        "E07000132",
        (
            Town("Hinckley", 47, ("LE10",)),
            Town("Burbage", 16, ("LE10",)),
            Town("Earl Shilton", 10, ("LE9",)),
            Town("Barwell", 9, ("LE9",)),
            Town("Groby", 7, ("LE6",)),
            Town("Markfield", 5, ("LE67",)),
            Town("Ratby", 4, ("LE6",)),
            Town("Desford", 4, ("LE9",)),
        ),
    ),
    District(
        "Melton",
        "E07000133",
        (
            Town("Melton Mowbray", 27, ("LE13",)),
            Town("Asfordby", 3, ("LE14",)),
            Town("Long Clawson", 1, ("LE14",)),
            Town("Waltham on the Wolds", 1, ("LE14",)),
        ),
    ),
    District(
        "North West Leicestershire",
        "E07000134",
        (
            Town("Coalville", 35, ("LE67",)),
            Town("Ashby-de-la-Zouch", 15, ("LE65",)),
            Town("Whitwick", 9, ("LE67",)),
            Town("Ibstock", 6, ("LE67",)),
            Town("Hugglescote", 5, ("LE67",)),
            Town("Thringstone", 4, ("LE67",)),
            Town("Ellistown", 3, ("LE67",)),
        ),
    ),
    District(
        "Oadby and Wigston",
        "E07000135",
        (
            Town("Wigston", 32, ("LE18",)),
            Town("Oadby", 23, ("LE2",)),
            Town("South Wigston", 6, ("LE18",)),
        ),
    ),
)

#: The council's children's social care localities: north (Charnwood, Melton, North West
#: Leicestershire) and south (the rest).
NORTH_DISTRICTS = frozenset({"E07000130", "E07000133", "E07000134"})

#: The reorganisation example: Lutterworth Rural District was merged into Harborough in the
#: 1974 local government reorganisation. It predates ONS GSS codes, so its code is synthetic.
FORMER_DISTRICT_NAME = "Lutterworth Rural District Council"
FORMER_DISTRICT_CODE = "E07000900"
FORMER_DISTRICT_SUCCESSOR_CODE = "E07000131"
FORMER_DISTRICT_MERGED_ON = (1974, 4, 1)

#: Postcode inward-code letters (the Royal Mail never uses C, I, K, M, O or V there).
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

#: Ofcom's range reserved for drama in the Leicester area code: never a real line.
DRAMA_TELEPHONE_PREFIX = "0116 496 0"
#: A reserved top-level domain (RFC 2606): demo e-mail addresses reach nobody.
DEMO_EMAIL_DOMAIN = "leicestershire.example"

STREET_SUFFIXES = (
    "Road",
    "Street",
    "Lane",
    "Close",
    "Avenue",
    "Drive",
    "Way",
    "Crescent",
    "Gardens",
    "Grove",
    "Court",
    "Place",
    "Walk",
    "Rise",
    "Mews",
    "View",
)
COMMON_STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Main Street",
    "London Road",
    "Park Road",
    "Victoria Road",
    "Mill Lane",
    "School Lane",
    "The Green",
    "Forest Road",
    "Ashby Road",
    "Leicester Road",
    "Meadow Lane",
    "Orchard Close",
)

#: Popular first names of children born in England since 2006 (ONS baby names), blended
#: with Faker's en_GB names so that the children do not sound like their grandparents.
CHILD_NAMES_FEMALE = (
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Lily",
    "Freya",
    "Mia",
    "Sophia",
    "Grace",
    "Poppy",
    "Evie",
    "Ella",
    "Isabella",
    "Emily",
    "Ivy",
    "Florence",
    "Willow",
    "Rosie",
    "Daisy",
    "Harper",
    "Alice",
    "Matilda",
    "Millie",
    "Phoebe",
    "Ruby",
    "Chloe",
    "Sophie",
    "Aisha",
    "Zara",
    "Anaya",
    "Maryam",
    "Amira",
    "Zuzanna",
)
CHILD_NAMES_MALE = (
    "Muhammad",
    "Noah",
    "Oliver",
    "George",
    "Leo",
    "Arthur",
    "Oscar",
    "Harry",
    "Jack",
    "Charlie",
    "Jacob",
    "Freddie",
    "Alfie",
    "Theo",
    "Henry",
    "Archie",
    "Thomas",
    "Joshua",
    "William",
    "Isaac",
    "Teddy",
    "Lucas",
    "Ethan",
    "Finley",
    "Max",
    "Logan",
    "Mason",
    "Riley",
    "Dylan",
    "Aarav",
    "Yusuf",
    "Ibrahim",
    "Jakub",
)
#: Family names common in Leicestershire that Faker's en_GB list lacks.
EXTRA_FAMILY_NAMES = (
    "Patel",
    "Mistry",
    "Khan",
    "Ahmed",
    "Hussain",
    "Singh",
    "Kaur",
    "Begum",
    "Chauhan",
    "Parmar",
    "Nowak",
    "Kowalski",
)

ETHNICITIES = (
    ("White - British", 78),
    ("White - any other White background", 5),
    ("Asian or Asian British - Indian", 6),
    ("Asian or Asian British - Pakistani", 1),
    ("Mixed - White and Black Caribbean", 2),
    ("Mixed - any other mixed background", 2),
    ("Black or Black British - African", 2),
    ("Any other ethnic group", 1),
    ("Not stated", 3),
)
FIRST_LANGUAGES = (
    ("English", 88),
    ("Gujarati", 4),
    ("Polish", 2),
    ("Punjabi", 2),
    ("Urdu", 1),
    ("Romanian", 1),
    ("Arabic", 1),
    ("Other", 1),
)

SAINTS = ("Mary", "Peter", "Andrew", "Joseph", "Margaret", "John", "Luke", "Paul", "Bartholomew")
#: School names are often a place name made of two parts: Oakfield, Millbrook, Hazelwood.
SCHOOL_NAME_PREFIXES = (
    "Oak",
    "Ash",
    "Elm",
    "Birch",
    "Holly",
    "Hazel",
    "Willow",
    "Beech",
    "Brook",
    "Mill",
    "Church",
    "Castle",
    "Fox",
    "Badger",
    "Thorn",
    "Meadow",
    "Green",
    "Orchard",
)
SCHOOL_NAME_SUFFIXES = ("field", "wood", "brook", "dale", "mead", "hill", "croft", "lands")
