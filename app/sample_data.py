"""A deterministic generator of realistic sessions in the wire format.

Plugin popularity is Zipf-distributed over real products, track counts are lognormal
(about 40 tracks and 120 plugin instances a session), dates span several years and
several DAWs appear. `make run` loads a few hundred; bench/ uses the same generator.
"""
import math
import random
from bisect import bisect
from datetime import UTC, datetime, timedelta
from itertools import accumulate

# The extractor named by the sources of generated sessions: it marks them as samples.
SAMPLE_EXTRACTOR = "sample-data"

# (vendor, product, versions oldest first); popularity follows this order.
PLUGINS = [
    ("FabFilter", "Pro-Q 3", ["3.21", "3.24"]), ("Avid", "EQ3 7-Band", ["23.12", "24.6"]),
    ("Universal Audio", "UAD 1176 Rev A", ["10.2", "11.0"]), ("Waves", "CLA-76", ["14.0", "15.0"]),
    ("Avid", "Dyn3 Compressor/Limiter", ["23.12", "24.6"]), ("Soundtoys", "EchoBoy", ["5.4"]),
    ("Valhalla DSP", "ValhallaVintageVerb", ["3.0.1", "4.0.5"]), ("FabFilter", "Pro-C 2", ["2.18"]),
    ("Waves", "SSL E-Channel", ["14.0", "15.0"]), ("Universal Audio", "LA-2A Gray", ["10.2", "11.0"]),
    ("iZotope", "Ozone 10", ["10.4"]), ("Slate Digital", "Virtual Mix Rack", ["2.7"]),
    ("FabFilter", "Pro-L 2", ["2.20"]), ("Antares", "Auto-Tune Pro", ["10.3"]),
    ("Celemony", "Melodyne 5", ["5.3", "5.4"]), ("Waves", "Renaissance Vox", ["14.0"]),
    ("Soundtoys", "Decapitator", ["5.4"]), ("Valhalla DSP", "ValhallaRoom", ["1.6"]),
    ("iZotope", "RX 10 De-click", ["10.4"]), ("Avid", "D-Verb", ["23.12"]),
    ("FabFilter", "Pro-R", ["1.12"]), ("Waves", "H-Delay", ["14.0"]),
    ("Plugin Alliance", "bx_digital V3", ["3.12"]), ("Universal Audio", "Neve 1073", ["10.2"]),
    ("Oeksound", "soothe2", ["1.3"]), ("Xfer Records", "Serum", ["1.363"]),
    ("Native Instruments", "Kontakt 7", ["7.5", "7.9"]), ("Spectrasonics", "Omnisphere", ["2.8"]),
    ("Arturia", "Pigments", ["4.0", "5.0"]), ("Waves", "Abbey Road Chambers", ["14.0"]),
    ("Soundtoys", "Little AlterBoy", ["5.4"]), ("Eventide", "H3000 Factory", ["3.7"]),
    ("Sonnox", "Oxford Inflator", ["3.0"]), ("Brainworx", "bx_console SSL 4000 E", ["1.9"]),
    ("Waves", "API-2500", ["14.0"]), ("Tokyo Dawn Labs", "TDR Nova", ["2.1"]),
    ("Klanghelm", "DC8C", ["3.0"]), ("Softube", "Tape", ["2.5"]),
    ("Goodhertz", "Vulf Compressor", ["3.6"]), ("Kilohearts", "Disperser", ["2.0"]),
    ("Output", "Portal", ["1.0"]), ("Arturia", "Comp FET-76", ["1.3"]),
    ("McDSP", "6030 Ultimate Compressor", ["7.1"]), ("Sound Radix", "Auto-Align 2", ["2.0"]),
    ("Leapwing Audio", "StageOne", ["2.3"]), ("Plugin Alliance", "Lindell 80 Channel", ["1.1"]),
    ("Waves", "Vocal Rider", ["14.0"]), ("iZotope", "Neutron 4", ["4.6"]),
    ("Toontrack", "Superior Drummer 3", ["3.3"]), ("Spectrasonics", "Keyscape", ["1.3"]),
    ("u-he", "Diva", ["1.4.7"]), ("u-he", "Zebra2", ["2.9"]),
    ("Native Instruments", "Massive X", ["1.4"]), ("Eventide", "Blackhole", ["3.7"]),
    ("Liquidsonics", "Seventh Heaven", ["1.3"]), ("Avid", "Pro Compressor", ["23.12"]),
    ("Avid", "BF-76", ["23.12"]), ("Waves", "L2 Ultramaximizer", ["14.0"]),
    ("Sonible", "smart:EQ 4", ["1.1"]), ("Acustica Audio", "Gold 4", ["4.0"]),
]
DAWS = [
    ("Pro Tools", ["2022.12", "2023.6", "2023.12", "2024.6"], "AAX Native", "ptx", 60),
    ("REAPER", ["6.82", "7.11", "7.22"], "VST3", "rpp", 12),
    ("Ableton Live", ["11.3.13", "12.0.5"], "VST3", "als", 12),
    ("Studio One", ["6.5.2"], "VST3", "song", 6),
    ("FL Studio", ["21.2.3"], "VST3", "flp", 5),
    ("Bitwig Studio", ["5.1"], "CLAP", "dawproject", 5),
]
ARTISTS = [
    "Marlow Keys", "The Lanterns", "Ivy Calder", "North Pier", "Dana Ruiz", "Static Garden",
    "June Okafor", "Halcyon Drive", "Teo Varga", "Paper Moons", "Sable & Finch", "Rosa Lind",
    "Velvet Transit", "Kai Brenner", "Low Orbit", "Mina Sato", "The Quiet Hours", "Elliot Crane",
    "Copper Field", "Nadia Holm", "Grey Harbour", "Felix Amar", "Wild Sorrel", "Lucia Brandt",
]
PROJECTS = ["Debut LP", "Second Album", "Singles", "Live at the Mill", "EP", "Film Score", "Remixes", "Demos"]
SONG_WORDS = [
    "Midnight", "Harbour", "Glass", "Fever", "Paper", "Northern", "Slow", "Golden", "River",
    "Static", "Echo", "Wildfire", "Velvet", "Lights", "Hollow", "Summer", "Signal", "Ghost",
]
STAGES = ["Tracking", "Overdubs", "Edit", "Mix", "Mix v2", "Mix v3", "Master prep", "Stems"]
TRACK_NAMES = [
    "Kick In", "Kick Out", "Snare Top", "Snare Bottom", "Hat", "Tom 1", "Tom 2", "Floor Tom",
    "OH L", "OH R", "Room", "Bass DI", "Bass Amp", "Gtr L", "Gtr R", "Acoustic", "Keys",
    "Piano", "Synth Pad", "Lead Synth", "Lead Vox", "Dbl Vox", "BGV 1", "BGV 2", "Vox Verb",
    "Drum Bus", "Parallel Comp", "Strings", "Brass", "Perc", "Shaker", "FX", "Click", "Guide Vox",
]
TAGS = ["mix", "tracking", "edit", "client-approved", "needs-recall", "stems-delivered", "archive", "live"]
KEYS = ["C", "C#m", "D", "Dm", "Eb", "E", "Em", "F", "F#m", "G", "Gm", "A", "Am", "Bb", "B", "Bm"]
INSTANCES_PER_TRACK = [0, 1, 2, 3, 4, 5, 6, 7, 8]
INSTANCE_WEIGHTS = [8, 14, 20, 20, 15, 10, 6, 4, 3]
ZIPF_EXPONENT = 1.1
FIRST_DAY = datetime(2016, 1, 1, tzinfo=UTC)
DAYS = 3950


def generate_sessions(count: int, seed: int = 2024, median_tracks: int = 36):
    """Yield `count` sessions as wire-format dicts; the same seed gives the same sessions."""
    rng = random.Random(seed)
    product_weights = list(accumulate(1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(PLUGINS))))
    daw_weights = list(accumulate(daw[4] for daw in DAWS))
    instance_weights = list(accumulate(INSTANCE_WEIGHTS))
    for number in range(count):
        yield _session(rng, number, product_weights, daw_weights, instance_weights, median_tracks)


def _pick(rng, items, cumulative):
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def _session(rng, number, product_weights, daw_weights, instance_weights, median_tracks):
    daw, versions, plugin_format, extension, _ = _pick(rng, DAWS, daw_weights)
    artist = rng.choice(ARTISTS)
    project = rng.choice(PROJECTS)
    song = f"{rng.choice(SONG_WORDS)} {rng.choice(SONG_WORDS)}"
    name = f"{song} - {rng.choice(STAGES)} #{number}"
    created = FIRST_DAY + timedelta(days=rng.randrange(DAYS), seconds=rng.randrange(86400))
    era = (created - FIRST_DAY).days / DAYS
    track_count = max(1, min(400, round(math.exp(rng.gauss(math.log(median_tracks), 0.45)))))
    tracks = []
    for position in range(track_count):
        plugins = []
        for _ in range(_pick(rng, INSTANCES_PER_TRACK, instance_weights)):
            vendor, product, plugin_versions = _pick(rng, PLUGINS, product_weights)
            version = plugin_versions[min(len(plugin_versions) - 1, int(era * len(plugin_versions)))]
            plugins.append({
                "name": product, "vendor": vendor, "version": version, "format": plugin_format,
                "active": rng.random() > 0.08,
            })
        tracks.append({
            "name": TRACK_NAMES[position % len(TRACK_NAMES)] + ("" if position < len(TRACK_NAMES) else f" {position}"),
            "type": "aux" if position % 11 == 10 else "audio",
            "format": "stereo" if rng.random() < 0.4 else "mono",
            "plugins": plugins,
        })
    path = f"/Volumes/Archive/{artist}/{project}/{song}/{name}.{extension}"
    return {
        "name": name,
        "artist": artist,
        "project": project,
        "path": path,
        "createdAt": created.isoformat().replace("+00:00", "Z"),
        "updatedAt": (created + timedelta(hours=rng.randrange(1, 200))).isoformat().replace("+00:00", "Z"),
        "sampleRate": rng.choice([44100, 48000, 48000, 96000]),
        "bitDepth": rng.choice([24, 24, 32]),
        "bpm": float(rng.randrange(70, 171)),
        "key": rng.choice(KEYS),
        "durationSeconds": float(rng.randrange(90, 420)),
        "tags": rng.sample(TAGS, rng.randrange(0, 3)),
        "daw": daw,
        "dawVersion": versions[min(len(versions) - 1, int(era * len(versions)))],
        "isFavorite": rng.random() < 0.1,
        "isComplete": rng.random() < 0.5,
        "tracks": tracks,
        "sources": [{"type": "archive", "path": path, "extractor": SAMPLE_EXTRACTOR}],
    }
