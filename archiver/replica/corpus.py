"""The text the replica publishes: the six posts of the real listing and the pools that
generated posts draw their titles, paragraphs and tags from.

The seed posts keep the exact titles, dates, author and teasers of the real listing page
(/work/shared/seed-listing.txt), odd spacing and typos included: text is evidence and the
archiver must keep it as published. Their bodies continue the teaser text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedPost:
    """A post copied from the real listing page."""

    title: str
    published_raw: str
    """As printed: Drupal's medium date, America/New_York local time."""
    seconds: int
    """Seconds of the real instant (the RDFa ``content`` attribute shows them)."""
    teaser_paragraphs: tuple[str, ...]
    """As published, odd whitespace included."""
    body_paragraphs: tuple[str, ...]
    """The full body; begins with the teaser text."""
    tags: tuple[str, ...]


_P_GRATITUDE_1 = (
    "I would like to extend my deepest gratitude to the United States and the 38 other "
    "countries who issued a joint statement at the UN General Assembly yesterday condemning "
    "the Chinese government’s human rights abuses against the Uyghur people."
)
_P_GRATITUDE_2 = (
    "Their statement on the ongoing atrocities—unparalleled crimes against humanity in the 21st "
    "century—is the strongest statement condemning the Chinese government ever to have been "
    "delivered at the UN. Their statement reflects commitment to truth and justice."
)
_P_MACRON_1 = "Dear Mr. Emmanuel Macron,"
_P_MACRON_2 = (
    "You have given the Uyghur people, who are going through a genocide, a glimpse of hope with "
    "your letter to the French Parliament on September 6th, and your speech to call for an "
    "international mission at the UN on September 22nd. The audacity of the Chinese government "
    "to build concentration camps and commit genocide in the 21st century stems not only from "
    "their totalitarian dictatorship, but also from the lack of intervention of the "
    "international community."
)
_P_MURADIL = (
    "Muradil Hassan, a young Uyghur man who has been living in China proper and exposing the "
    "serious political situation in East Turkestan (Uyghuristan) to the world through his "
    "YouTube channel, his connection with the outside world has been cut for five  days and his "
    "whereabouts are unknown."
)
_P_QUARANTINE = (
    " In East Turkestan, China, there have been reports of anti-virus quarantine and medical "
    "measures being carried out in the so-called Xinjiang Uyghur Autonomous Region.there are the "
    "constructions are being built as quarantine measures in the areas far from residential "
    "areas, people are being forced to consume unknown medicine on top of 3 million Uyghur who "
    "have been detained in the camps for the last 4 years."
)
_P_XPCC = (
    "   The U.S. government has once again demonstrated its ability to find and control any "
    "covert and public potential threats to human peace in the world by punishing the Xinjiang "
    "Production and Construction Corps and its two officials in the East Turkistan "
    "(Uyghuristan) under Magnetisky law. I would like to thank the United States Government for "
    "being the voice of a people who are being persecuted by that the secret and economic branch "
    "of the People’s Liberation Army."
)
_P_JULY5_1 = (
    "The protest, which began peacefully in Urumqi on July 5, 2009, became violent resistance "
    "and ended with a massacre with Chinese brutality. Demonstrators demands were simple: the "
    "protesters demanded that the government had to explain the death of a dozen Uyghur workers "
    "in Shaoguan, June 26."
)
_P_JULY5_2_TEASER = (
    " The government knew that even its simple answer with condolences could ease the situation "
    "and appease the "
)
_P_JULY5_2 = (
    " The government knew that even its simple answer with condolences could ease the situation "
    "and appease the anger of the people, but it chose to answer with bullets."
)

SEED_POSTS: tuple[SeedPost, ...] = (
    SeedPost(
        title=(
            "My Gratitude to the 38 Countries Which Made Joint Statement and Defended Justice "
            "for Uyghurs During the UN Meeting"
        ),
        published_raw="Per, 10/08/2020 - 17:31",
        seconds=5,
        teaser_paragraphs=(_P_GRATITUDE_1, _P_GRATITUDE_2),
        body_paragraphs=(
            _P_GRATITUDE_1,
            _P_GRATITUDE_2,
            "The Uyghur people will never forget the countries that stood with them when it "
            "mattered. I call on every government that has not yet spoken to join them.",
            "Rabiya Qadeer\nPresident, International Uyghur Human Rights and Democracy Foundation",
        ),
        tags=("UN", "Uyghur", "Human Rights"),
    ),
    SeedPost(
        title=(
            "We are grateful for France in the Most Difficult Time of Our History: An Open "
            "Letter to the French President, Emmanuel Macron"
        ),
        published_raw="Sa, 09/29/2020 - 16:04",
        seconds=42,
        teaser_paragraphs=(_P_MACRON_1, _P_MACRON_2),
        body_paragraphs=(
            _P_MACRON_1,
            _P_MACRON_2,
            "We ask France to lead Europe in sanctioning the officials responsible and in "
            "banning goods made with Uyghur forced labour.",
            "Respectfully,",
            "Rabiya Qadeer",
        ),
        tags=("East Turkestan", "Genocide"),
    ),
    SeedPost(
        title=(
            "Rabiya Qadeer: I Call on The International Community to Ask The Chinese Government "
            "Whereabouts of Muradil Hassan"
        ),
        published_raw="Çar, 09/09/2020 - 13:36",
        seconds=0,
        teaser_paragraphs=(_P_MURADIL,),
        body_paragraphs=(
            _P_MURADIL,
            "His videos showed daily life in Chinese cities with honesty and courage. Silence "
            "about his fate would tell every young Uyghur that speaking up is a crime.",
        ),
        tags=("East Turkestan", "Uyghur"),
    ),
    SeedPost(
        title=(
            "Rabia Qadeer: I am deeply concerned about China's quarantine and medical measures "
            "against the Uyghurs"
        ),
        published_raw="Sa, 08/25/2020 - 16:41",
        seconds=17,
        teaser_paragraphs=(_P_QUARANTINE,),
        body_paragraphs=(
            _P_QUARANTINE,
            "I call on the World Health Organization to send independent doctors to the region.",
        ),
        tags=("Uyghur", "Camps"),
    ),
    SeedPost(
        title=(
            "Rabia Qadeer: The Production Engineering Army was a threat not only to the Uyghurs "
            "but also to the world"
        ),
        published_raw="Sa, 08/04/2020 - 08:44",
        seconds=58,
        teaser_paragraphs=(_P_XPCC,),
        body_paragraphs=(
            _P_XPCC,
            "The Corps runs farms, factories and prisons; its cotton is in the clothes sold "
            "around the world.",
        ),
        tags=("East Turkestan", "China"),
    ),
    SeedPost(
        title="I urge Chinese authorities to stop genocide on the anniversary of July 5",
        published_raw="Ct, 07/04/2020 - 03:05",
        seconds=31,
        teaser_paragraphs=(_P_JULY5_1, _P_JULY5_2_TEASER),
        body_paragraphs=(
            _P_JULY5_1,
            _P_JULY5_2,
            "Eleven years later the camps hold millions. I urge the Chinese authorities to stop "
            "the genocide now.",
        ),
        tags=("East Turkestan", "Genocide", "Uyghur"),
    ),
)

NAME_SPELLINGS = ("Rabiya Qadeer", "Rabia Kadeer", "Rebiya Kadeer", "Rabiye Kadir", "Rabia Qadeer")
ACTORS = (
    "the International Community",
    "the European Parliament",
    "the UN Human Rights Council",
    "the U.S. Congress",
    "Türkiye",
    "Kazakhstan",
    "the Muslim World",
)
DEMANDS = (
    "Close the Camps",
    "Ask About the Disappeared",
    "Sanction the Officials Responsible",
    "Stop Forced Labour",
    "Protect Uyghur Refugees",
)
TOPICS = (
    "the Detention Camps in East Turkestan",
    "Forced Labour & Cotton",
    "the Anniversary of the Urumqi Massacre",
    "Religious Freedom in East Turkestan",
    "Uyghur Students in Egypt",
    "Doğu Türkistan'daki Zulüm",
    "Family Separation",
)
TITLE_TEMPLATES = (
    "{name}: I Call on {actor} to {demand}",
    "{name} Addresses {actor} on {topic}",
    "Statement on {topic}",
    "{name} Meets with {actor}",
    "Press Release: {name} on {topic}",
    "{name}: {demand}!",
)
SENTENCES = (
    "Millions of Uyghurs are held in camps that the Chinese government calls vocational "
    "training centres.",
    "Families abroad have not heard from their relatives for years.",
    "We call on {actor} to act before it is too late.",
    "{name} spoke about her own years in prison and about her children who were jailed "
    "because of her work.",
    "Doğu Türkistan'daki toplama kampları derhal kapatılmalıdır.",
    "ئۇيغۇر خەلقى ئەركىنلىك ۋە ئادالەت ئۈچۈن كۈرەش قىلىۋاتىدۇ.",
    "Testimony after testimony describes torture, forced sterilisation & political indoctrination.",
    "The “re-education” system has no legal basis, even under Chinese law.",
    "Companies must make sure their supply chains are free of Uyghur forced labour.",
    "Mosques have been demolished and the Uyghur language removed from schools.",
    "The foundation will continue to document every case that reaches us.",
    "Rabiye Kadir, Türkiye'deki Uygur toplumuna teşekkür etti.",
    "This is not an internal affair of China; it is a crime against humanity.",
    "Journalists and researchers who report on the region are harassed and expelled.",
)
TAGS = (
    "East Turkestan",
    "Uyghur",
    "UN",
    "Human Rights",
    "China",
    "Genocide",
    "Camps",
    "Press Release",
    "Rebiya Kadeer",
)
AUTHORS = ("Kanat", "Uyghur1")
