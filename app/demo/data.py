"""The raw material of the demo city: names, languages, interests and bios.

Newcomer backgrounds follow the languages seen among newcomers in Flanders (see the programme's
domain reference); volunteers are mostly Flemish, with second-generation locals who also speak
Riffian/Arabic or Turkish. Surnames written ``male/female`` take the form matching the gender.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.people.vocabulary import Level

B, C, F, N = Level.basic, Level.conversational, Level.fluent, Level.native


@dataclass(frozen=True)
class Background:
    """One group of people sharing a first language: how they are named and what else they speak."""

    native: str
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]
    # Further languages, each with the chance that a person of this group speaks it, and the level.
    extra: tuple[tuple[str, float, Level], ...] = ()


NEWCOMER_BACKGROUNDS: dict[str, Background] = {
    "ar": Background(
        "ar",
        ("Amina", "Fatima", "Rania", "Lina", "Nour", "Yasmin", "Huda", "Reem"),
        ("Omar", "Ahmad", "Khaled", "Youssef", "Mahmoud", "Bilal", "Tarek", "Sami"),
        ("Haddad", "Al-Hassan", "Khalil", "Darwish", "Saleh", "Mansour", "Nasser", "Aziz"),
        (("en", 0.4, C), ("fr", 0.2, B)),
    ),
    "zgh": Background(
        "zgh",
        ("Tafsut", "Thiziri", "Nadia", "Siham", "Ikram"),
        ("Mohamed", "Said", "Ayoub", "Hamza", "Brahim"),
        ("Amrani", "Bouzidi", "Ait Ali", "Oubella", "Id Brahim"),
        (("ar", 0.9, F), ("fr", 0.4, C)),
    ),
    "rif": Background(
        "rif",
        ("Fadma", "Naima", "Loubna", "Hafsa"),
        ("Mimoun", "Abdelkarim", "Yassir", "Driss"),
        ("Azzouzi", "El Ouali", "Boukhari", "Amezian"),
        (("ar", 0.9, F), ("es", 0.3, C)),
    ),
    "prs": Background(
        "prs",
        ("Mariam", "Zahra", "Farzana", "Shabnam", "Nazanin"),
        ("Sayed", "Mustafa", "Hamid", "Wahid", "Farid"),
        ("Ahmadi", "Rahimi", "Hashimi", "Karimi", "Sultani"),
        (("ps", 0.3, C), ("en", 0.4, B)),
    ),
    "ps": Background(
        "ps",
        ("Malalai", "Palwasha", "Zarmina", "Nazia"),
        ("Noorullah", "Zabihullah", "Jamal", "Gul Agha"),
        ("Khan", "Wardak", "Safi", "Popal", "Stanekzai"),
        (("prs", 0.7, F), ("en", 0.2, B)),
    ),
    "fa": Background(
        "fa",
        ("Shirin", "Parisa", "Leila", "Maryam", "Niloofar"),
        ("Reza", "Arash", "Babak", "Dariush", "Kian"),
        ("Hosseini", "Moradi", "Tehrani", "Jafari", "Rostami"),
        (("en", 0.7, C),),
    ),
    "ti": Background(
        "ti",
        ("Senait", "Helen", "Meron", "Saba", "Winta"),
        ("Yonas", "Tesfay", "Filmon", "Dawit", "Robel"),
        ("Tesfamariam", "Gebremedhin", "Habte", "Kidane", "Berhane"),
        (("en", 0.5, B), ("ar", 0.2, C)),
    ),
    "so": Background(
        "so",
        ("Hodan", "Faadumo", "Ifrah", "Sahra"),
        ("Abdirahman", "Abdi", "Liban", "Hassan"),
        ("Warsame", "Farah", "Jama", "Osman", "Abdullahi"),
        (("ar", 0.5, C), ("en", 0.4, B)),
    ),
    "ku": Background(
        "ku",
        ("Rojda", "Berfin", "Zilan", "Nazdar"),
        ("Rojhat", "Azad", "Baran", "Dilovan"),
        ("Sindi", "Amedi", "Bakir", "Doski"),
        (("ar", 0.5, F), ("tr", 0.4, F)),
    ),
    "uk": Background(
        "uk",
        ("Olena", "Iryna", "Oksana", "Kateryna", "Yuliia", "Tetiana"),
        ("Andrii", "Oleksandr", "Dmytro", "Taras"),
        ("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Melnyk", "Kravchenko"),
        (("ru", 0.8, F), ("en", 0.5, C)),
    ),
    "ru": Background(
        "ru",
        ("Natalia", "Svetlana", "Anastasia", "Olga"),
        ("Sergei", "Alexei", "Ivan", "Nikolai"),
        ("Orlov/Orlova", "Sokolov/Sokolova", "Volkov/Volkova", "Smirnov/Smirnova"),
        (("en", 0.4, B),),
    ),
    "ro": Background(
        "ro",
        ("Ioana", "Elena", "Andreea", "Mihaela"),
        ("Andrei", "Mihai", "Florin", "Adrian"),
        ("Popescu", "Ionescu", "Dumitru", "Stan", "Constantin"),
        (("en", 0.5, C), ("fr", 0.3, C)),
    ),
    "pl": Background(
        "pl",
        ("Agnieszka", "Katarzyna", "Magdalena", "Joanna"),
        ("Piotr", "Tomasz", "Krzysztof", "Marek"),
        ("Nowak", "Kowalski/Kowalska", "Wiśniewski/Wiśniewska", "Wójcik", "Kamiński/Kamińska"),
        (("en", 0.6, C), ("de", 0.2, B)),
    ),
    "bg": Background(
        "bg",
        ("Desislava", "Mariya", "Gergana", "Tsvetelina"),
        ("Georgi", "Dimitar", "Ivaylo", "Stoyan"),
        ("Petrov/Petrova", "Georgiev/Georgieva", "Dimitrov/Dimitrova", "Ivanov/Ivanova"),
        (("tr", 0.3, F), ("en", 0.3, B)),
    ),
    "tr": Background(
        "tr",
        ("Elif", "Zeynep", "Ayşe", "Merve"),
        ("Mehmet", "Emre", "Burak", "Mustafa"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik"),
        (("en", 0.4, B),),
    ),
    "es": Background(
        "es",
        ("Lucía", "Valentina", "Camila", "María José"),
        ("Carlos", "Diego", "Javier", "Andrés"),
        ("García", "Rodríguez", "Martínez", "López", "Fernández"),
        (("en", 0.6, C),),
    ),
    "pt": Background(
        "pt",
        ("Ana", "Beatriz", "Juliana", "Mariana"),
        ("João", "Tiago", "Lucas", "Rafael"),
        ("Silva", "Santos", "Oliveira", "Costa", "Pereira"),
        (("es", 0.3, C), ("en", 0.4, C)),
    ),
    "fr": Background(
        "fr",
        ("Grâce", "Aminata", "Mariame", "Clarisse", "Divine"),
        ("Jean-Baptiste", "Moussa", "Patrick", "Ibrahima", "Christian"),
        ("Diallo", "Camara", "Ngoma", "Kasongo", "Mukendi", "Traoré"),
        (("ln", 0.3, N), ("en", 0.3, B)),
    ),
    "en": Background(
        "en",
        ("Chiamaka", "Abena", "Priya", "Grace"),
        ("Emeka", "Kwame", "Rahul", "Samuel"),
        ("Okafor", "Mensah", "Sharma", "Adeyemi", "Boateng"),
        (("hi", 0.2, N),),
    ),
}

# Forty newcomers: every language of the programme appears, the largest groups most often.
NEWCOMER_MIX: tuple[str, ...] = (
    "ar", "ar", "ar", "ar", "ar", "uk", "uk", "uk", "uk", "zgh", "rif", "rif", "prs", "prs",
    "prs", "ps", "ps", "fa", "fa", "ti", "ti", "ti", "so", "so", "ku", "ku", "ru", "ro", "ro",
    "pl", "pl", "bg", "tr", "tr", "es", "es", "pt", "fr", "fr", "en",
)  # fmt: skip

FLEMISH = Background(
    "nl",
    (
        "An",
        "Els",
        "Katrien",
        "Sofie",
        "Lotte",
        "Marie",
        "Ine",
        "Griet",
        "Hilde",
        "Lien",
        "Nele",
        "Fien",
        "Eva",
        "Liesbeth",
        "Annemie",
        "Kristel",
        "Sarah",
        "Hanne",
    ),
    (
        "Jan",
        "Pieter",
        "Koen",
        "Tom",
        "Wouter",
        "Bart",
        "Joris",
        "Stijn",
        "Dirk",
        "Luc",
        "Jef",
        "Arne",
        "Bram",
        "Seppe",
        "Geert",
        "Frank",
    ),
    (
        "Peeters",
        "Janssens",
        "Maes",
        "Jacobs",
        "Mertens",
        "Willems",
        "Claes",
        "Goossens",
        "Wouters",
        "De Smet",
        "Van den Broeck",
        "Verhoeven",
        "Vermeulen",
        "Dubois",
        "Hermans",
        "Van Dyck",
        "Aerts",
        "Smets",
        "De Cock",
        "Michiels",
        "Van Looy",
        "Lambrechts",
    ),
    (("fr", 0.75, C), ("en", 0.85, F), ("de", 0.15, B), ("es", 0.1, B)),
)
MOROCCAN_FLEMISH = Background(
    "nl",
    ("Samira", "Nora", "Imane", "Soumaya", "Hanane"),
    ("Karim", "Yassine", "Mourad", "Anouar", "Soufiane"),
    ("El Idrissi", "Azzouzi", "Bouzid", "El Amrani", "Ait Hammou", "Chaouch"),
    (("rif", 0.6, F), ("ar", 0.7, C), ("fr", 0.6, F), ("en", 0.6, C)),
)
TURKISH_FLEMISH = Background(
    "nl",
    ("Selin", "Derya", "Esra", "Büşra"),
    ("Hakan", "Emre", "Serkan", "Volkan"),
    ("Aydın", "Öztürk", "Koç", "Arslan", "Doğan"),
    (("tr", 1.0, F), ("fr", 0.4, C), ("en", 0.7, C)),
)
# Sixty volunteers: 48 Flemish, 8 with Moroccan and 4 with Turkish roots.
VOLUNTEER_MIX: tuple[Background, ...] = (
    (FLEMISH,) * 48 + (MOROCCAN_FLEMISH,) * 8 + (TURKISH_FLEMISH,) * 4
)

INTERESTS = (
    "cooking", "walking", "cycling", "football", "music", "reading", "gardening", "chess",
    "photography", "running", "history", "drawing", "board games", "swimming", "theatre",
    "markets", "sewing", "computers", "yoga", "volleyball", "fishing", "films", "baking",
)  # fmt: skip

# Availability patterns: the slots a kind of person is usually free, before sampling a few.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
PATTERNS: dict[str, tuple[str, ...]] = {
    "after-work": (*(f"{d}-evening" for d in WEEKDAYS), "sat-morning", "sun-afternoon"),
    "daytime": tuple(f"{d}-{p}" for d in WEEKDAYS for p in ("morning", "afternoon")),
    "weekend": ("fri-evening", "sat-morning", "sat-afternoon", "sun-morning", "sun-afternoon"),
    # Newcomers in Dutch class in the morning are free in the afternoon and evening.
    "after-class": tuple(f"{d}-{p}" for d in WEEKDAYS for p in ("afternoon", "evening")),
}

# What volunteers do, by stage of life (age < 26, working age, 65 and over).
STUDENT_JOBS = ("Social work student", "Studies nursing", "Student teacher", "Law student")
WORKING_JOBS = (
    "Nurse", "Bookkeeper", "IT consultant", "Librarian", "Physiotherapist", "Architect",
    "Runs a small bakery", "Civil servant", "Secondary school teacher", "Electrician",
    "Works in a bank", "Part-time pharmacist with three teenagers", "Bus driver",
)  # fmt: skip
RETIRED_JOBS = (
    "Retired primary school teacher", "Retired train driver", "Retired nurse",
    "Retired from the post office", "Former shop owner with five grandchildren",
)  # fmt: skip
VOLUNTEER_MOTIVES = (
    "I remember how it felt to start over somewhere new.",
    "I would love to show someone around %(city)s.",
    "Happy to help with letters from the bank or the city.",
    "We can cook together and practise Dutch while we do it.",
    "I go to the Saturday market every week; come along!",
    "My children have left home and I have time to share.",
    "Learning another culture is the best way to travel without leaving home.",
    "I know my way around job applications and CVs.",
)
NEWCOMER_NOTES = (
    "I follow Dutch lessons in the morning.",
    "I arrived with my two children and want to understand their school.",
    "I am looking for work as a cook.",
    "I was an accountant in my country.",
    "I would like to find a football club.",
    "I want to speak Dutch with my neighbours.",
    "I need help with letters from the municipality.",
    "",
)
