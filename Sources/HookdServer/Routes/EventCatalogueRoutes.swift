import HookdCore
import Hummingbird

/// `GET /api/v3.20/webhooks/events` (SPEC §11.1): the names a v3.20 endpoint of the app can subscribe to, each with
/// its v3 counterpart where it has one.
struct EventCatalogueRoutes: APIRoutes, Sendable {
    let services: RouteServices

    func addRoutes(to group: RouterGroup<HookdRequestContext>) {
        group.get("webhooks/events", use: events)
    }

    @Sendable func events(_ request: Request, context: HookdRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        return envelope.success(
            CatalogueData(appType: principal.appType),
            message: "Webhook events retrieved",
            context: context
        )
    }

    /// The catalogue of one app type: `event` (the v3.20 name), `v3Event` (its v3 name, or `null`), `description`,
    /// and `origin`: `FYATU` for the names of Fyatu's v3.20 pages, `HOOKD` for those hookd adds.
    struct CatalogueData: JSONRepresentable {
        let appType: AppType

        var json: JSONOutput {
            let events = EventCatalogue.v320Events(for: appType).map(Self.entry)
            return .object([("appType", .string(appType.rawValue)), ("events", .array(events))])
        }

        static func entry(_ event: EventCatalogue.V320Event) -> JSONOutput {
            .object([
                ("event", .string(event.name)), ("v3Event", .string(event.v3Name)),
                ("description", .string(event.description)), ("origin", .string(event.isFyatu ? "FYATU" : "HOOKD")),
            ])
        }
    }
}
