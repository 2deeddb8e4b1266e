//! The simulator ships in the release beside the provider, for users' own CI:
//! `genesys-sim_VERSION_OS_ARCH.zip`, covered by the release's SHA256SUMS, holding one
//! executable that starts and serves.

use crate::support::hashes::zh;
use crate::support::release::dist;
use std::process::Command;

#[test]
fn the_release_carries_genesys_sim_covered_by_sha256sums() {
    let d = dist("0.1.0");
    let zip = d.dir.join(d.simulator_zip_name());
    assert!(
        zip.is_file(),
        "no {} in {}",
        d.simulator_zip_name(),
        d.dir.display()
    );
    assert_eq!(
        d.listed_sha256(&d.simulator_zip_name())
            .map(|h| format!("zh:{h}")),
        Some(zh(&zip)),
        "SHA256SUMS lists the simulator's zip with its hash"
    );
    // One executable entry, unpacked as a user would (Python's zipfile, as release.sh uses).
    let tmp = tempfile::tempdir().expect("tempdir");
    let unpack = "import sys, zipfile, os\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  names = z.namelist()\n\
                  assert names == ['genesys-sim'], names\n\
                  info = z.getinfo('genesys-sim')\n\
                  assert (info.external_attr >> 16) == 0o100755, oct(info.external_attr >> 16)\n\
                  z.extractall(sys.argv[2])\n\
                  os.chmod(os.path.join(sys.argv[2], 'genesys-sim'), 0o755)\n";
    let out = Command::new("python3")
        .args(["-c", unpack])
        .arg(&zip)
        .arg(tmp.path())
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "unpacking the simulator zip: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(tmp.path().join("genesys-sim"))
        .arg("--help")
        .output()
        .expect("run the unpacked genesys-sim");
    assert!(out.status.success(), "genesys-sim --help failed");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Local simulator of the Genesys Cloud"),
        "the zip holds genesys-sim"
    );
}
