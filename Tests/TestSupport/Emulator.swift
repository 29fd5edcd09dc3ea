import Foundation
import XCTest

/// qemu-user, for running the shipped build on an emulated CPU (`-cpu Haswell`: AVX2 + FMA, no AVX-512, no VNNI).
public enum Emulator {
    /// qemu-x86_64's path; a skip when it is absent, a failure under CI (scripts/test.sh installs it).
    public static func qemu() throws -> String {
        let qemu = "/usr/bin/qemu-x86_64"
        guard FileManager.default.isExecutableFile(atPath: qemu) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("qemu-user is not installed (scripts/test.sh installs it)") }
            throw XCTSkip("qemu-user is not installed")
        }
        return qemu
    }

    /// The default (unsanitised) release build, which is what ships, else `fallback`. Sanitiser runtimes cannot run
    /// under qemu-user, and the sanitiser runs point the tests' binaries at their own builds.
    public static func releaseBinary(or fallback: String) -> String {
        let release = SharedFixtures.repositoryRoot.appendingPathComponent(".build/release/shufflenet").path
        return FileManager.default.isExecutableFile(atPath: release) ? release : fallback
    }
}
