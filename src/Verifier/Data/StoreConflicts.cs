using System.Data.Common;
using Keylime.Verifier.Api;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Data;

/// <summary>
/// Races the pre-checks cannot exclude (two enrollments of one id, a policy deleted while an agent
/// takes it) end in a constraint violation; they are conflicts (409), never a 500 (spec §13).
/// </summary>
public static class StoreConflicts
{
    public static async Task<ApiFailure?> SaveAsync(DbContext db, string conflictMessage, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return ApiFailure.Conflict(conflictMessage);
        }
    }

    public static async Task<ApiFailure?> RunAsync(Func<Task> action, string conflictMessage)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception e) when (e is DbUpdateException or DbException)
        {
            return ApiFailure.Conflict(conflictMessage);
        }
    }
}
