import Foundation
import Testing

@testable import RecurSpool

/// The rename that never replaces, and telling a shared filesystem from a local one.
struct SpoolFilesystemTests {
    func directory() throws -> String {
        let path = NSTemporaryDirectory() + "recur-fs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aRenameNeverReplacesWhatIsThere() throws {
        let root = try directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "first".write(toFile: root + "/a", atomically: false, encoding: .utf8)
        try "second".write(toFile: root + "/b", atomically: false, encoding: .utf8)
        #expect(throws: SpoolError.self) { try SpoolFilesystem.renameNoReplace(root + "/a", root + "/b") }
        do {
            try SpoolFilesystem.renameNoReplace(root + "/a", root + "/b")
        } catch {
            #expect(error.code == EEXIST)
        }
        #expect(try String(contentsOfFile: root + "/b", encoding: .utf8) == "second")
        #expect(FileManager.default.fileExists(atPath: root + "/a"))
        try SpoolFilesystem.renameNoReplace(root + "/a", root + "/c")
        #expect(try String(contentsOfFile: root + "/c", encoding: .utf8) == "first")
        #expect(!FileManager.default.fileExists(atPath: root + "/a"))
        // Directories too: onto an existing empty directory it fails where rename(2) would not.
        try FileManager.default.createDirectory(atPath: root + "/d1", withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: root + "/d2", withIntermediateDirectories: false)
        #expect(throws: SpoolError.self) { try SpoolFilesystem.renameNoReplace(root + "/d1", root + "/d2") }
        #expect(throws: SpoolError.self) { try SpoolFilesystem.renameNoReplace(root + "/missing", root + "/e") }
    }

    @Test func sharedFilesystemsAreTold() {
        for type in ["nfs", "nfs4", "ceph", "fuse.juicefs", "fuse", "cifs", "lustre"] {
            #expect(SpoolFilesystem.isShared(type), "\(type)")
        }
        for type in ["ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs"] {
            #expect(!SpoolFilesystem.isShared(type), "\(type)")
        }
        let here = SpoolFilesystem.kind(of: NSTemporaryDirectory())
        #expect(here.name != "unknown")
        #expect(SpoolFilesystem.kind(of: "/proc").name == "proc")
    }
}
