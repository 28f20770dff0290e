import ArgumentParser
import Dispatch
import Foundation
import Logging
import RecurCore
import RecurSpool
import RecurWeb

/// `recur web`: the page and the HTTP API over a spool, a process apart from the daemons.
struct WebCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Serve the page to ask for tunes and texts, hear and see them, and the HTTP API over the spool.",
        discussion: """
            The server only submits jobs into the spool and reads done/ and failed/, so it works \
            with any number of `recur serve` daemons sharing the spool, here or on other hosts. \
            Give it the models directory the daemons use: it checks each job against its model \
            before the job reaches the spool. The API is described in docs/openapi.yaml.

            It listens on loopback unless --listen says otherwise; put it behind a TLS proxy, \
            with --token, before it faces a network.
            """)

    @OptionGroup var spool: SpoolOption
    @OptionGroup var models: ModelsDirectoryOption
    @Option(help: ArgumentHelp("Address and port to listen on (port 0: any free port).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"
    @Option(help: ArgumentHelp("A file holding the bearer token every API request must carry.", valueName: "file"))
    var token: String?
    @Option(
        name: .customLong("max-queued"),
        help: ArgumentHelp("Refuse submissions (429) while this many jobs wait in incoming/.", valueName: "n"))
    var maxQueued = 1000
    @Option(name: .customLong("max-body"), help: ArgumentHelp("The largest request body taken.", valueName: "bytes"))
    var maxBody = 1 << 20

    func validate() throws {
        if maxQueued < 1 { throw ValidationError("--max-queued must be at least 1, got \(maxQueued)") }
        if !(64...(64 << 20)).contains(maxBody) {
            throw ValidationError("--max-body must be between 64 bytes and 64 MiB, got \(maxBody)")
        }
        do {
            _ = try WebConfiguration.parseListen(listen)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "recur-web")
        logger.logLevel = .info
        var configuration = WebConfiguration()
        (configuration.host, configuration.port) = try WebConfiguration.parseListen(listen)
        configuration.maximumQueued = maxQueued
        configuration.maximumBodyBytes = maxBody
        if let token { configuration.token = try WebConfiguration.readToken(path: token) }
        let catalog = models.catalog
        if !catalog.directoryExists {
            logger.warning(
                "no models directory found (\(catalog.searchDescription)); every job will be refused until --models names one")
        }
        let server = try WebServer(spool: spool.path, models: catalog, configuration: configuration)
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let serverLogger = logger
        Task {
            do {
                try await server.run(logger: serverLogger) { port in
                    FileHandle.standardOutput.write(Data("recur web: serving \(spool.path) on http://\(host):\(port)/\n".utf8))
                }
            } catch {
                failure.set("\(error)")
            }
            finished.signal()
        }
        finished.wait()
        if let message = failure.message {
            throw InputError(description: "recur web cannot serve on \(listen): \(message)")
        }
    }
}

/// The error that ended the server, handed from its task to the command.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?
    var message: String? { lock.withLock { stored } }
    func set(_ text: String) { lock.withLock { stored = text } }
}
