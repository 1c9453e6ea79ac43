import HookdStore
import Hummingbird
import Logging

/// Limits the `GET` (and `HEAD`) requests of each app to `--reads-per-minute`, every read route of v3 and v3.20
/// together, after authentication has named the app.
///
/// A read costs the database work (a page of the log, a day of statistics): like every costly route it has a
/// per-app limit held in the store, so one tenant's dashboard polling in a loop cannot take the database from the
/// others. Past the limit the answer is `429 RATE_LIMIT_EXCEEDED` with `Retry-After`, and nothing is read.
///
/// Counting a read is a write. When the database cannot write (a full disk), reads go uncounted rather than
/// refused, so that the log stays readable while the operator makes room.
struct ReadLimitMiddleware: RouterMiddleware {
    typealias Context = HookdRequestContext

    let limiter: RateLimiter
    let readsPerMinute: Int

    func handle(
        _ request: Request,
        context: HookdRequestContext,
        next: (Request, HookdRequestContext) async throws -> Response
    ) async throws -> Response {
        if request.method == .get || request.method == .head {
            let principal = try context.requirePrincipal()
            do {
                try await limiter.take("reads:\(principal.appID)", perMinute: readsPerMinute)
            } catch let error where StoreError.reading(error)?.cannotWriteReason != nil {
                context.logger.debug("a read went uncounted: its count could not be written")
            }
        }
        return try await next(request, context)
    }
}
