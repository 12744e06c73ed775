"""Collecting a machine's inventory: bundles and files shaped as plug-in installers leave them, DAW plug-in caches,
each field read exactly, and every damaged one listed with its reason while the collection goes on."""
import json
import os
import plistlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pip._vendor import distlib

from app.inventory import LINUX, MAC, WINDOWS, collect_inventory, standard_folders
from app.inventory.wire import Inventory

MODULE_INFO = """{
  // written by the VST3 SDK's moduleinfotool
  "Name": "Pro-Q 3",
  "Version": "3.24.0",
  "Factory Info": {"Vendor": "FabFilter", "URL": "https://www.fabfilter.com", "E-Mail": "", "Flags": {},},
  "Compatibility": [{"New": "72C4DB717A4D459AB97E51745D84B39D", "Old": ["565354465133706670726F2D71203300"]}],
  "Classes": [
    {
      "CID": "72c4db717a4d459ab97e51745d84b39d",
      "Category": "Audio Module Class",
      "Name": "Pro-Q 3",
      "Vendor": "FabFilter",
      "Version": "3.24.0",
      "SDKVersion": "VST 3.7.8",
      "Sub Categories": ["Fx", "EQ",],
      "Class Flags": 1,
      "Cardinality": 2147483647,
    },
    {"CID": "0123456789ABCDEF0123456789ABCDEF", "Category": "Component Controller Class", "Name": "Pro-Q 3Controller"},
    /* a second plug-in in the same module */
    {"CID": "AAAABBBBCCCCDDDDEEEEFFFF00001111", "Category": "Audio Module Class", "Name": "Pro-Q 3 Dynamic",
     "Sub Categories": "Fx|Dynamics"},
  ],
}
"""


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def plist(path: Path, value: dict, binary: bool = False) -> Path:
    return write(path, plistlib.dumps(value, fmt=plistlib.FMT_BINARY if binary else plistlib.FMT_XML))


@pytest.fixture
def plugins(tmp_path) -> Path:
    """A plug-in folder as installers leave one, good and damaged bundles side by side."""
    root = tmp_path / "Plug-Ins"
    write(root / "VST3" / "FabFilter Pro-Q 3.vst3" / "Contents" / "Resources" / "moduleinfo.json", MODULE_INFO)
    write(root / "VST3" / "Old SDK.vst3" / "Contents" / "moduleinfo.json",
          '{"Name": "Old", "Version": "1.0", "Factory Info": {"Vendor": "Oldco"}, "Classes": [{"CID": '
          '"00000000000000000000000000000001", "Category": "Audio Module Class", "Name": "Old Comp"}]}')
    plist(root / "VST3" / "Plist Only.vst3" / "Contents" / "Info.plist",
          {"CFBundleName": "Plist Only", "CFBundleIdentifier": "com.example.plistonly",
           "CFBundleShortVersionString": "2.1"}, binary=True)
    (root / "VST3" / "Bare.vst3" / "Contents" / "x86_64-linux").mkdir(parents=True)
    write(root / "VST3" / "Broken.vst3" / "Contents" / "Resources" / "moduleinfo.json", '{"Name": "Broken", ')
    write(root / "VST3" / "Editor Only.vst3" / "Contents" / "Resources" / "moduleinfo.json",
          '{"Classes": [{"CID": "01", "Category": "Component Controller Class", "Name": "Editor"}]}')
    plist(root / "Components" / "Pro-Q 3.component" / "Contents" / "Info.plist", {
        "CFBundleIdentifier": "com.fabfilter.Pro-Q.AU.3", "CFBundleShortVersionString": "3.24",
        "AudioComponents": [
            {"type": "aufx", "subtype": "FQ3p", "manufacturer": "FabF", "name": "FabFilter: Pro-Q 3",
             "version": 0x31800, "description": "Pro-Q 3", "factoryFunction": "ProQ3Factory"},
            {"type": "aumf", "subtype": "FQ3m", "manufacturer": "FabF", "name": "FabFilter: Pro-Q 3 (MIDI)",
             "version": 0x31800}]})
    plist(root / "Components" / "Binary.component" / "Contents" / "Info.plist", {
        "AudioComponents": [{"type": "aumu", "subtype": "Dx7e", "manufacturer": 0x4D4E_4659, "name": "Dexed"}]},
        binary=True)
    plist(root / "Components" / "No Components.component" / "Contents" / "Info.plist", {"CFBundleName": "Nothing"})
    write(root / "Components" / "Garbage.component" / "Contents" / "Info.plist", b"\x00\x01 not a plist")
    fifo = root / "Components" / "Pipe.component" / "Contents" / "Info.plist"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    os.mkfifo(root / "Live-files-2.db")
    plist(root / "Avid" / "Pro-Q 3.aaxplugin" / "Contents" / "Info.plist",
          {"CFBundleName": "ProQ3", "CFBundleIdentifier": "com.fabfilter.Pro-Q.AAX.3",
           "CFBundleShortVersionString": "3.24.0"})
    write(root / "CLAP" / "Surge XT.clap", b"\x7fELF")
    write(root / "VST" / "ValhallaRoom_x64.dll", b"MZ")
    # A real Windows program file with a version resource: the launcher pip ships.
    shutil.copyfile(Path(distlib.__file__).parent / "w64.exe", root / "VST" / "Windows Effect.dll")
    write(root / "VST" / "Helm.so", b"\x7fELF")
    write(root / "VST" / "readme.txt", "not a plug-in")
    (root / "lv2" / "calf.lv2").mkdir(parents=True)
    return root


def by_name(inventory: Inventory) -> dict:
    return {(plugin.format, plugin.name): plugin.model_dump(exclude={"format", "name", "path"}, exclude_none=True)
            for plugin in inventory.plugins}


def test_bundles_and_files_are_read_exactly_without_loading_code(plugins):
    collected = collect_inventory([plugins], machine="B-Room Mac", system=MAC)
    assert (collected.machine, collected.os) == ("B-Room Mac", MAC)
    assert by_name(collected) == {
        ("VST3", "Pro-Q 3"): {"vendor": "FabFilter", "version": "3.24.0", "uid": "72C4DB717A4D459AB97E51745D84B39D",
                              "category": "Fx|EQ", "identified_by": "bundle"},
        ("VST3", "Pro-Q 3 Dynamic"): {"vendor": "FabFilter", "version": "3.24.0",
                                      "uid": "AAAABBBBCCCCDDDDEEEEFFFF00001111", "category": "Fx|Dynamics",
                                      "identified_by": "bundle"},
        ("VST3", "Old Comp"): {"vendor": "Oldco", "version": "1.0", "uid": "00000000000000000000000000000001",
                               "identified_by": "bundle"},
        ("VST3", "Plist Only"): {"version": "2.1", "bundle_id": "com.example.plistonly", "identified_by": "bundle"},
        ("VST3", "Bare"): {"identified_by": "file name"},
        ("AU", "Pro-Q 3"): {"vendor": "FabFilter", "version": "3.24.0", "uid": "aufx:FQ3p:FabF",
                            "bundle_id": "com.fabfilter.Pro-Q.AU.3", "category": "aufx", "identified_by": "bundle"},
        ("AU", "Pro-Q 3 (MIDI)"): {"vendor": "FabFilter", "version": "3.24.0", "uid": "aumf:FQ3m:FabF",
                                   "bundle_id": "com.fabfilter.Pro-Q.AU.3", "category": "aumf",
                                   "identified_by": "bundle"},
        ("AU", "Dexed"): {"uid": "aumu:Dx7e:MNFY", "category": "aumu", "identified_by": "bundle"},
        ("AAX", "Pro-Q 3"): {"version": "3.24.0", "bundle_id": "com.fabfilter.Pro-Q.AAX.3",
                             "identified_by": "bundle"},
        ("CLAP", "Surge XT"): {"identified_by": "file name"},
        ("VST2", "ValhallaRoom_x64"): {"identified_by": "file name"},
        ("VST2", "Windows Effect"): {"vendor": "Simple Launcher User", "version": "1.1.0.14",
                                     "identified_by": "file name"},
        ("VST2", "Helm"): {"identified_by": "file name"},
        ("LV2", "calf"): {"identified_by": "file name"},
    }
    paths = {plugin.path for plugin in collected.plugins}
    assert str(plugins / "VST3" / "FabFilter Pro-Q 3.vst3") in paths
    reasons = {Path(item.path).name: item.reason for item in collected.unreadable}
    assert set(reasons) == {"Broken.vst3", "Editor Only.vst3", "No Components.component", "Garbage.component",
                            "Pipe.component", "Live-files-2.db"}
    assert reasons["Pipe.component"] == "cannot read Info.plist: a named pipe (FIFO), not a regular file: scans read " \
                                        "regular files only"
    assert reasons["Live-files-2.db"] == "not a regular file: a DAW's plug-in cache is one"
    assert reasons["Broken.vst3"].startswith("moduleinfo.json is not valid JSON5")
    assert reasons["Editor Only.vst3"] == "moduleinfo.json lists no plug-in (Audio Module Class)"
    assert reasons["No Components.component"] == "Info.plist declares no AudioComponents"
    assert reasons["Garbage.component"].startswith("Info.plist is damaged")


REAPER_VST = """[vstcache]
reacomp.dll=00C0F3D1B2C4D901,1919247213,ReaComp (Cockos)
FabFilter_Pro-Q_3.vst3=00A0E1A2B3C4D901,1997939476{72C4DB717A4D459AB97E51745D84B39D},Pro-Q 3 (FabFilter)
Serum_x64.dll=0080F1A2B3C4D901,1483109208,Serum (Xfer Records)!!!VSTi
Crashes.dll=0080F1A2B3C4D901
odd name.dll=0080F1A2B3C4D901,-4382976,Name, with a comma (Some, Vendor)
"""
REAPER_CLAP = """[Surge XT.clap]
_=00D8F7B0DA8FD901
org.surge-synth-team.surge-xt=1|Surge XT (Surge Synth Team)
[u-he Diva.clap]
_=00D8F7B0DA8FD901
com.u-he.diva=1|Diva (u-he)
"""


def live_database(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE plugins (plugin_id INTEGER PRIMARY KEY, module_id INTEGER, dev_identifier "
                           "TEXT, name TEXT, vendor TEXT, version TEXT, sdk_version TEXT, flags INTEGER, scanstate "
                           "INTEGER, enabled INTEGER)")
        connection.executemany("INSERT INTO plugins VALUES (?, 1, ?, ?, ?, ?, '', 0, 1, 1)", [
            (1, "device:vst3:audiofx:72C4DB71-7A4D-459A-B97E-51745D84B39D", "Pro-Q 3", "FabFilter", "3.24.0"),
            (2, "device:vst:instr:1483109208", "Serum_x64", "Xfer Records", "1.3"),
            (3, "device:au:audiofx:aufx:FQ3p:FabF", "Pro-Q 3", "FabFilter", None),
            (4, "not a device id", "Junk", "", ""),
        ])
    connection.close()
    return path


def test_daw_caches_give_the_ids_sessions_use(tmp_path):
    collected = collect_inventory([write(tmp_path / "reaper-vstplugins64.ini", REAPER_VST),
                                   write(tmp_path / "reaper-clap-linux-x86_64.ini", REAPER_CLAP),
                                   live_database(tmp_path / "Live-files-1218.db")], machine="A", system=LINUX)
    assert [(p.format, p.name, p.vendor, p.uid, p.category, p.identified_by) for p in collected.plugins] == [
        ("VST2", "ReaComp", "Cockos", "1919247213", None, "REAPER's plug-in cache"),
        ("VST3", "Pro-Q 3", "FabFilter", "72C4DB717A4D459AB97E51745D84B39D", None, "REAPER's plug-in cache"),
        ("VST2", "Serum", "Xfer Records", "1483109208", "Instrument", "REAPER's plug-in cache"),
        ("VST2", "Name, with a comma", "Some, Vendor", "-4382976", None, "REAPER's plug-in cache"),
        ("CLAP", "Surge XT", "Surge Synth Team", "org.surge-synth-team.surge-xt", None, "REAPER's plug-in cache"),
        ("CLAP", "Diva", "u-he", "com.u-he.diva", None, "REAPER's plug-in cache"),
        ("VST3", "Pro-Q 3", "FabFilter", "72C4DB717A4D459AB97E51745D84B39D", "audiofx", "Live's plug-in database"),
        ("VST2", "Serum_x64", "Xfer Records", "1483109208", "instr", "Live's plug-in database"),
        ("AU", "Pro-Q 3", "FabFilter", "aufx:FQ3p:FabF", "audiofx", "Live's plug-in database"),
    ]
    assert [p.path for p in collected.plugins][:3] == ["reacomp.dll", "FabFilter_Pro-Q_3.vst3", "Serum_x64.dll"]
    assert [(item.path, item.reason) for item in collected.unreadable] == [
        ("Crashes.dll", "reaper-vstplugins64.ini says REAPER could not scan it")]


def test_a_damaged_cache_or_missing_path_is_listed_and_the_rest_is_collected(tmp_path, plugins):
    not_a_database = write(tmp_path / "Live-files-9.db", b"SQLite format 3\x00 but damaged" * 10)
    empty_database = tmp_path / "Live-files-10.db"
    sqlite3.connect(empty_database).close()
    collected = collect_inventory([not_a_database, empty_database, tmp_path / "nowhere",
                                   plugins / "Avid" / "Pro-Q 3.aaxplugin"], system=MAC)
    assert [(plugin.format, plugin.name) for plugin in collected.plugins] == [("AAX", "Pro-Q 3")]
    reasons = [(Path(item.path).name, item.reason.split(" (")[0]) for item in collected.unreadable]
    assert reasons == [("Live-files-9.db", "not a Live plug-in database Session Stats reads"),
                       ("Live-files-10.db", "not a Live plug-in database Session Stats reads"),
                       ("nowhere", "not a folder, a plug-in or a DAW plug-in cache")]


def test_each_system_has_its_standard_folders():
    home = Path("/home/engineer")
    assert Path("/Library/Audio/Plug-Ins/Components") in standard_folders(MAC, home, {})
    assert home / "Library/Audio/Plug-Ins/VST3" in standard_folders(MAC, home, {})
    assert Path("/Library/Application Support/Avid/Audio/Plug-Ins") in standard_folders(MAC, home, {})
    windows = standard_folders(WINDOWS, home, {"CommonProgramFiles": r"D:\Common"})
    assert {Path(r"D:\Common") / "VST3", Path(r"D:\Common") / "Avid" / "Audio" / "Plug-Ins",
            Path(r"D:\Common") / "CLAP"} <= set(windows)
    linux = standard_folders(LINUX, home, {"CLAP_PATH": f"/opt/clap{os.pathsep}/srv/clap"})
    assert {home / ".vst3", Path("/usr/lib/vst3"), home / ".clap", Path("/usr/lib/clap"), home / ".lv2",
            Path("/opt/clap"), Path("/srv/clap")} <= set(linux)


def test_the_command_writes_an_inventory_the_server_takes(tmp_path, plugins):
    output = tmp_path / "b-room.json"
    done = subprocess.run([sys.executable, "-m", "app.cli", "inventory", "collect", str(plugins / "VST3"),
                           str(plugins / "Components"), "--machine", "B-Room", "-o", str(output)],
                          capture_output=True, text=True, env={**os.environ, "SESSION_STATS_INSTANCE_PATH":
                                                               str(tmp_path / "instance")})
    assert done.returncode == 0, done.stderr
    assert "8 plug-ins on B-Room" in done.stderr and "5 could not be read" in done.stderr
    assert f"{plugins / 'VST3' / 'Broken.vst3'}: moduleinfo.json is not valid JSON5" in done.stderr
    written = json.loads(output.read_text())
    assert written["machine"] == "B-Room" and {"collectedAt", "plugins", "unreadable"} <= set(written)
    assert {plugin["name"]: plugin["identifiedBy"] for plugin in written["plugins"]}["Bare"] == "file name"
    assert len(Inventory.model_validate(written).plugins) == 8
    # Collecting needs no server: no instance folder or database was made.
    assert not (tmp_path / "instance").exists()
