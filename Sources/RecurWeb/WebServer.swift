import Foundation
import Hummingbird
import Logging
import RecurCore
import RecurSpool

/// `recur web`: the page and the HTTP API over a spool. It submits jobs and reads their
/// results, nothing more, so it serves any number of daemons on any hosts that share the
/// spool, and goes on answering while they stop and start.
public struct WebServer: Sendable {
    public let configuration: WebConfiguration
    public let intake: JobIntake
    let browser: SpoolBrowser

    public init(spool: String, models: ModelCatalog, configuration: WebConfiguration) throws(SpoolError) {
        self.configuration = configuration
        let client = try SpoolClient(root: spool)
        intake = JobIntake(client: client, shelf: ModelShelf(catalog: models), maximumQueued: configuration.maximumQueued)
        browser = SpoolBrowser(layout: client.layout)
    }

    /// The routes: the API under /api, /metrics, and the pages.
    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: WebAccess(token: configuration.token))
        JobRoutes(intake: intake, browser: browser, configuration: configuration).add(to: router)
        ServiceRoutes(intake: intake, browser: browser, configuration: configuration).add(to: router)
        PageRoutes().add(to: router)
        return router
    }

    /// Serves until SIGTERM or SIGINT; `ready` is called with the port once it listens.
    public func run(logger: Logger, ready: @escaping @Sendable (Int) -> Void) async throws {
        let app = Application(
            router: router(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "recur/\(Recur.version)"),
            onServerRunning: { channel in ready(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
    }
}
