import Foundation
import Testing

/// `scripts/install` into a DESTDIR, as a packager runs it: the tree it makes, a second
/// run that changes nothing, `--instance`, and `--uninstall`, which removes everything it
/// installed and every directory it created, and nothing else. Then the installed unit's
/// `ExecStart=` and `Environment=` run as systemd would run them, on a test socket.
///
/// The test installs the `recur` that `swift test` built (`RECUR_BINARY`), so nothing is
/// built. Man pages come from swift-argument-parser's generate-manual tool when
/// `scripts/make-manpage` has built it next to that binary (`.ci/run` does, before
/// `swift test`); the test cannot build it itself, because `swift test` holds SwiftPM's
/// lock on `.build`. Without the tool the install takes a stand-in page through
/// `RECUR_MANPAGES`, unless `RECUR_REQUIRE_MANPAGES=1` (set by `.ci/run`) makes that a failure.
@Suite(.serialized)
struct InstallTests {
    static let prefix = "/usr/local"
    static let binaryDirectory = prefix + "/bin"
    static let modelsDirectory = prefix + "/share/recur/models"
    static let manifest = prefix + "/share/recur/install-manifest"

    /// A directory and a file that were there before the install: they must survive it.
    static let foreignDirectories = ["/usr/", "/usr/local/", "/usr/local/bin/"]
    static let foreignFile = "/usr/local/bin/other-tool"

    @Test func installTwiceAddAnInstanceThenUninstall() throws {
        let destination = try temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: destination)
            try? FileManager.default.removeItem(atPath: destination + "-man")
        }
        try FileManager.default.createDirectory(atPath: destination + "/usr/local/bin", withIntermediateDirectories: true)
        try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: destination + Self.foreignFile))
        let before = try Tree(root: destination)

        let (environment, realManPages) = try Self.environment(destination: destination)
        let first = try Self.install([], environment: environment)
        #expect(first.status == 0, "\(first.output)")
        let installed = try Tree(root: destination)
        try checkTree(installed, realManPages: realManPages)

        // Idempotent: the same files, bytes and modes, and the same manifest.
        let second = try Self.install([], environment: environment)
        #expect(second.status == 0, "\(second.output)")
        let again = try Tree(root: destination)
        #expect(again == installed, "a second install changed: \(again.differences(from: installed))")

        // An instance adds its spool's tmpfiles.d file, and the manifest keeps everything.
        let third = try Self.install(["--instance", "night"], environment: environment)
        #expect(third.status == 0, "\(third.output)")
        let withInstance = try Tree(root: destination)
        let instanceConfig = Self.prefix + "/lib/tmpfiles.d/recur-night.conf"
        #expect(withInstance.differences(from: installed).sorted() == [instanceConfig, Self.manifest])
        let config = withInstance.text(instanceConfig)
        #expect(config.contains("d /var/spool/recur-night/incoming 3770 recur recur -"))
        #expect(config.range(of: "@[A-Z]+@", options: .regularExpression) == nil, "\(config)")
        #expect(withInstance.manifestLines().contains(instanceConfig))

        // Uninstall: exactly what was there before.
        let removal = try Self.install(["--uninstall"], environment: environment)
        #expect(removal.status == 0, "\(removal.output)")
        let after = try Tree(root: destination)
        #expect(after == before, "left behind or removed: \(after.differences(from: before))")
        let nothing = try Self.install(["--uninstall"], environment: environment)
        #expect(nothing.status == 0 && nothing.output.contains("nothing to uninstall"), "\(nothing.output)")
    }

    /// The installed unit's own command line and environment, run as systemd would start
    /// it (with a scratch spool): the daemon says READY=1, pings the watchdog, and stops
    /// cleanly on SIGTERM.
    @Test func theInstalledUnitStartsADaemonThatTalksToSystemd() throws {
        let destination = try temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: destination)
            try? FileManager.default.removeItem(atPath: destination + "-man")
        }
        let (environment, _) = try Self.environment(destination: destination)
        let installed = try Self.install([], environment: environment)
        #expect(installed.status == 0, "\(installed.output)")
        let unit = try String(contentsOfFile: destination + Self.prefix + "/lib/systemd/system/recur.service", encoding: .utf8)
        let lines = unit.split(separator: "\n").map(String.init)
        let command = try #require(lines.first { $0.hasPrefix("ExecStart=") }?.dropFirst("ExecStart=".count))
            .split(separator: " ").map(String.init)
        var variables: [String: String] = [:]
        for line in lines where line.hasPrefix("Environment=") {
            let assignment = line.dropFirst("Environment=".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            variables[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        #expect(command == [Self.binaryDirectory + "/recur", "serve"])
        #expect(variables["RECUR_SPOOL"] == "/var/spool/recur")
        #expect(variables["RECUR_MODELS"] == Self.modelsDirectory)

        // The same command and environment, inside the staging root and on a scratch spool.
        let notifications = try NotifySocket(path: destination + "/notify.sock")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: destination + command[0])
        process.arguments = Array(command.dropFirst())
        var env = variables
        env["RECUR_SPOOL"] = destination + "/spool"
        env["RECUR_MODELS"] = destination + Self.modelsDirectory
        env["NOTIFY_SOCKET"] = notifications.path
        env["WATCHDOG_USEC"] = "400000"
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let started = notifications.receive(for: 20) { m in
            m.contains { $0.contains("READY=1") } && m.filter { $0 == "WATCHDOG=1" }.count >= 2
        }
        #expect(started.contains { $0.contains("READY=1") }, "\(started)")
        #expect(started.filter { $0 == "WATCHDOG=1" }.count >= 2, "\(started)")
        process.terminate()
        let stopping = notifications.receive(for: 10) { $0.contains("STOPPING=1") }
        process.waitUntilExit()
        #expect(stopping.contains("STOPPING=1"), "\(stopping)")
        #expect(process.terminationStatus == 0)
    }

    /// Every file where it belongs, with the content it should have.
    private func checkTree(_ tree: Tree, realManPages: Bool) throws {
        let binary = Self.binaryDirectory + "/recur"
        let given = try Data(contentsOf: RecurBinary.url)
        #expect(tree.entries[binary]?.mode == 0o755)
        #expect(tree.entries[binary]?.contents == given, "bin/recur is not the binary given")

        // Units: the sources with the installed paths filled in, and no placeholder left.
        for unit in ["recur.service", "recur@.service", "recur-web.service"] {
            let source = try String(contentsOf: repositoryRoot.appendingPathComponent("systemd/\(unit).in"), encoding: .utf8)
            let expected = source.replacingOccurrences(of: "@BINDIR@", with: Self.binaryDirectory)
                .replacingOccurrences(of: "@MODELSDIR@", with: Self.modelsDirectory)
            let text = tree.text(Self.prefix + "/lib/systemd/system/\(unit)")
            #expect(text == expected, "\(unit) differs from its source with the paths substituted")
            let command = unit == "recur-web.service" ? "web --listen 127.0.0.1:8080" : "serve"
            #expect(text.contains("\nExecStart=/usr/local/bin/recur \(command)\n"))
            #expect(text.contains("\nEnvironment=RECUR_MODELS=/usr/local/share/recur/models\n"))
            #expect(text.range(of: "@[A-Z]+@", options: .regularExpression) == nil, "placeholder left in \(unit)")
        }
        for (installed, source) in [
            ("lib/sysusers.d/recur.conf", "recur.sysusers"), ("lib/tmpfiles.d/recur.conf", "recur.tmpfiles"),
        ] {
            let expected = try String(contentsOf: repositoryRoot.appendingPathComponent("systemd/" + source), encoding: .utf8)
            #expect(tree.text(Self.prefix + "/" + installed) == expected, "\(installed)")
        }

        // Completions, generated by the binary itself.
        for completion in [
            "share/bash-completion/completions/recur", "share/zsh/site-functions/_recur",
            "share/fish/vendor_completions.d/recur.fish",
        ] {
            let text = tree.text(Self.prefix + "/" + completion)
            #expect(text.contains("serve") && text.contains("submit"), "\(completion) is empty or not recur's")
        }

        // Man pages: recur.1 and one per subcommand, named recur-serve.1 and so on.
        let pages = Set(
            tree.entries.keys.filter { $0.hasPrefix(Self.prefix + "/share/man/man1/") && !$0.hasSuffix("/") }.map {
                ($0 as NSString).lastPathComponent
            })
        if realManPages {
            for page in ["recur.1", "recur-serve.1", "recur-submit.1", "recur-status.1", "recur-generate.1", "recur-train.1"] {
                #expect(pages.contains(page), "no \(page) among \(pages.sorted())")
            }
            #expect(!pages.contains { $0.hasPrefix("recur.") && $0 != "recur.1" }, "unrenamed pages: \(pages.sorted())")
            #expect(!pages.contains("recur-help.1"))
            #expect(tree.text(Self.prefix + "/share/man/man1/recur-serve.1").contains(".Dt RECUR-SERVE 1"))
            #expect(tree.text(Self.prefix + "/share/man/man1/recur.1").contains(".Xr recur-serve 1"))
        } else {
            #expect(pages == ["recur.1"])
        }

        // Models shipped in the repository (there may be none), in the directory the units name.
        #expect(tree.entries[Self.modelsDirectory + "/"] != nil)
        let shipped =
            (try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("models").path)) ?? []
        for model in shipped where model.hasSuffix(".safetensors") || model.hasSuffix(".md") {
            #expect(tree.entries[Self.modelsDirectory + "/" + model] != nil, "model \(model) not installed")
        }

        // Modes: 0755 for directories and the binary, 0644 for everything else.
        let foreign = Set(Self.foreignDirectories + [Self.foreignFile])
        for (path, entry) in tree.entries where !foreign.contains(path) && path != binary {
            #expect(entry.mode == (entry.isDirectory ? 0o755 : 0o644), "\(path): mode \(String(entry.mode, radix: 8))")
        }

        // The manifest names every file and every directory the install made, and nothing else.
        let made = Set(tree.entries.keys).subtracting(Self.foreignDirectories + [Self.foreignFile, Self.manifest])
        #expect(
            Set(tree.manifestLines()) == made, "manifest vs tree: \(Set(tree.manifestLines()).symmetricDifference(made).sorted())"
        )
    }

    /// The environment for `scripts/install`: no build, a staging root, and man pages from
    /// the real tool when it has been built (true) or a stand-in in DESTINATION-man (false).
    static func environment(destination: String) throws -> ([String: String], Bool) {
        var environment = ProcessInfo.processInfo.environment
        for key in [
            "SKIP_BUILD", "SWIFT_BUILD_FLAGS", "SYSTEMD_UNIT_DIR", "SYSUSERS_DIR", "TMPFILES_DIR", "RECUR_MANPAGES",
            "GENERATE_MANUAL",
        ] {
            environment[key] = nil
        }
        environment["DESTDIR"] = destination
        environment["PREFIX"] = prefix
        environment["RECUR_BINARY"] = RecurBinary.url.path
        environment["SOURCE_DATE_EPOCH"] = "1700000000"
        let directory = RecurBinary.url.deletingLastPathComponent()
        let tool = ["generate-manual-tool", "generate-manual"].map { directory.appendingPathComponent($0).path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        if let tool {
            environment["GENERATE_MANUAL"] = tool
            return (environment, true)
        }
        #expect(
            ProcessInfo.processInfo.environment["RECUR_REQUIRE_MANPAGES"] != "1",
            "no generate-manual tool in \(directory.path): run scripts/make-manpage once")
        let standIn = destination + "-man"
        try FileManager.default.createDirectory(atPath: standIn, withIntermediateDirectories: true)
        try Data(".Dd November 26, 2026\n.Dt RECUR 1\n.Os\n.Sh NAME\n.Nm recur\n".utf8)
            .write(to: URL(fileURLWithPath: standIn + "/recur.1"))
        environment["RECUR_MANPAGES"] = standIn
        return (environment, false)
    }

    /// Runs `scripts/install arguments…` to completion; stdout, then stderr.
    static func install(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let result = try RecurBinary.runProcess(
            URL(fileURLWithPath: "/bin/bash"), [repositoryRoot.appendingPathComponent("scripts/install").path] + arguments,
            environment: environment)
        return (result.status, result.stdout + result.stderr)
    }
}

/// Everything under a staging root: paths as installed ("/usr/local/bin/recur"; directories
/// end in "/"), with their modes and, for files, their bytes.
struct Tree: Equatable {
    struct Entry: Equatable {
        let isDirectory: Bool
        let mode: Int
        let contents: Data?
    }

    let root: String
    let entries: [String: Entry]

    init(root: String) throws {
        self.root = root
        var entries: [String: Entry] = [:]
        let manager = FileManager.default
        for relative in manager.enumerator(atPath: root)?.compactMap({ $0 as? String }) ?? [] {
            let path = root + "/" + relative
            let attributes = try manager.attributesOfItem(atPath: path)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            if attributes[.type] as? FileAttributeType == .typeDirectory {
                entries["/" + relative + "/"] = Entry(isDirectory: true, mode: mode, contents: nil)
            } else {
                entries["/" + relative] = Entry(isDirectory: false, mode: mode, contents: manager.contents(atPath: path))
            }
        }
        self.entries = entries
    }

    /// A file's text ("" when it is missing).
    func text(_ path: String) -> String {
        entries[path]?.contents.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The lines of the install manifest.
    func manifestLines() -> [String] {
        text(InstallTests.manifest).split(separator: "\n").map(String.init)
    }

    /// Paths added, removed or changed between `other` and this tree.
    func differences(from other: Tree) -> [String] {
        Set(entries.keys).union(other.entries.keys).filter { entries[$0] != other.entries[$0] }.sorted()
    }

    static func == (a: Tree, b: Tree) -> Bool { a.entries == b.entries }
}

extension Tree: CustomTestStringConvertible {
    /// Short, for failure messages; the paths that differ are in each message's comment.
    var testDescription: String { "\(entries.count) paths under \(root)" }
}
