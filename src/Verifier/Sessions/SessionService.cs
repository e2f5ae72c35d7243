using Keylime.Shared.Configuration;
using Keylime.Shared.Security;
using Keylime.Shared.Tpm;
using Keylime.Verifier.Api;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Sessions;

/// <summary>The answer to a PATCH: HTTP status (200 pass/fail, 401 bad PoP) and the session resource.</summary>
public sealed record SessionVerdict(int Status, SessionAttributes Attributes);

/// <summary>
/// Proof-of-possession sessions (spec/verifier.md §6): a fresh challenge, then TPM2_Certify of the
/// enrolled AK by itself over that challenge, then a token. Only completed sessions reach the database.
/// </summary>
public sealed class SessionService(
    VerifierDbContext db, PendingSessions pending, TokenCache tokens, VerifierOptions options, TimeProvider time,
    ILogger<SessionService> logger)
{
    public const int ChallengeBytes = 16;

    public const string Pass = "pass";
    public const string Fail = "fail";

    public PendingSession Create(string agentId)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var session = new PendingSession(Guid.NewGuid(), agentId, Secrets.RandomBytes(ChallengeBytes), now,
            now.AddSeconds(options.NonceLifetime));
        pending.Add(session);
        return session;
    }

    public static SessionAttributes Created(PendingSession session) => new()
    {
        AgentId = session.AgentId,
        AuthenticationRequested = [Requested(session)],
        CreatedAt = Timestamps.Format(session.CreatedAt),
        ChallengesExpireAt = Timestamps.Format(session.ChallengesExpireAt),
    };

    /// <summary>PATCH: checks in Keylime's order; the pending session is consumed whatever the outcome.</summary>
    public async Task<Outcome<SessionVerdict>> CompleteAsync(Guid sessionId, SessionRequestAttributes request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.AgentId))
        {
            return ApiFailure.BadRequest("agent_id is required", "/data/attributes/agent_id");
        }

        var peeked = pending.Peek(sessionId);
        if (peeked is null)
        {
            return ApiFailure.NotFound("Session not found");
        }

        if (peeked.AgentId != request.AgentId)
        {
            return ApiFailure.BadRequest("Agent ID mismatch", "/data/attributes/agent_id");
        }

        if (!pending.TryTake(sessionId, out var session) || session is null)
        {
            return ApiFailure.NotFound("Session not found");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var provided = request.AuthenticationProvided?.FirstOrDefault();
        if (now >= session.ChallengesExpireAt)
        {
            logger.LogInformation("Session {SessionId} of agent {AgentId}: challenge expired", sessionId, session.AgentId);
            return new SessionVerdict(200, Answer(session, provided, Fail, now));
        }

        var ak = await db.Agents.AsNoTracking().Where(a => a.AgentId == session.AgentId).Select(a => a.AkTpm).FirstOrDefaultAsync(cancellationToken);
        if (ak is null)
        {
            logger.LogInformation("Session {SessionId}: agent {AgentId} is not enrolled", sessionId, session.AgentId);
            return new SessionVerdict(200, Answer(session, provided, Fail, now));
        }

        var popFailure = VerifyPop(ak, session.Challenge, provided);
        if (popFailure is not null)
        {
            logger.LogWarning("Session {SessionId} of agent {AgentId}: proof of possession failed: {Reason}", sessionId, session.AgentId, popFailure);
            return new SessionVerdict(401, Answer(session, provided, Fail, now));
        }

        var (token, hash) = PopTokens.Issue(sessionId);
        var expires = now.AddSeconds(options.SessionLifetime);
        await StoreAsync(session, provided!, hash, now, expires, cancellationToken);
        logger.LogInformation("Agent {AgentId} authenticated (session {SessionId}, token valid until {Expires:O})", session.AgentId, sessionId, expires);
        return new SessionVerdict(200, Answer(session, provided, Pass, now) with { Token = token, TokenExpiresAt = Timestamps.Format(expires) });
    }

    private static string? VerifyPop(byte[] akTpm, byte[] challenge, AuthenticationEntry? provided)
    {
        if (provided?.AuthenticationType != AuthenticationEntry.TpmPop)
        {
            return "no tpm_pop authentication provided";
        }

        if (!BinaryText.TryDecode(provided.Data?.Message, out var message) || !BinaryText.TryDecode(provided.Data?.Signature, out var signature))
        {
            return "message and signature are required";
        }

        try
        {
            var result = CertifyVerifier.ForKey(akTpm).VerifySelfCertification(message, signature, challenge);
            return result.IsValid ? null : $"{result.FailedCheck}: {result.Message}";
        }
        catch (TpmFormatException e)
        {
            return $"enrolled AK unusable: {e.Message}";
        }
    }

    // A new PoP replaces every older session of the agent (spec §6.2 step 7). Two PATCHes racing for
    // one agent both succeed: each deletes, each inserts its own row — never a 500.
    private async Task StoreAsync(PendingSession session, AuthenticationEntry provided, string hash, DateTime now, DateTime expires,
        CancellationToken cancellationToken)
    {
        await db.Sessions.Where(s => s.AgentId == session.AgentId).ExecuteDeleteAsync(cancellationToken);
        BinaryText.TryDecode(provided.Data?.Message, out var message);
        BinaryText.TryDecode(provided.Data?.Signature, out var signature);
        db.Sessions.Add(new AuthSession
        {
            SessionId = session.SessionId,
            AgentId = session.AgentId,
            TokenHash = hash,
            TokenSalt = "",
            Active = true,
            Nonce = session.Challenge,
            AkAttest = message,
            AkSign = signature,
            NonceCreatedAt = session.CreatedAt,
            NonceExpiresAt = session.ChallengesExpireAt,
            PopReceivedAt = now,
            TokenExpiresAt = expires,
        });
        await db.SaveChangesAsync(cancellationToken);
        tokens.EvictAgent(session.AgentId); // the older sessions just deleted must not live on in this process
    }

    private static AuthenticationEntry Requested(PendingSession session) =>
        new(AuthenticationEntry.PopClass, AuthenticationEntry.TpmPop, new ChallengeParameters(Convert.ToBase64String(session.Challenge)));

    private static SessionAttributes Answer(PendingSession session, AuthenticationEntry? provided, string evaluation, DateTime now) => new()
    {
        AgentId = session.AgentId,
        Evaluation = evaluation,
        Authentication =
        [
            Requested(session) with { Data = new PopData(provided?.Data?.Message ?? "", provided?.Data?.Signature ?? "") },
        ],
        CreatedAt = Timestamps.Format(session.CreatedAt),
        ChallengesExpireAt = Timestamps.Format(session.ChallengesExpireAt),
        ResponseReceivedAt = Timestamps.Format(now),
    };
}
