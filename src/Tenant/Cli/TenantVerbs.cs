namespace Keylime.Tenant.Cli;

/// <summary>The <c>-c</c> values this tenant understands (Keylime's names).</summary>
public static class TenantVerbs
{
    public const string Add = "add";
    public const string Update = "update";
    public const string Delete = "delete";
    public const string Status = "status";
    public const string CvStatus = "cvstatus";
    public const string BulkInfo = "bulkinfo";
    public const string CvList = "cvlist";
    public const string Reactivate = "reactivate";
    public const string RegStatus = "regstatus";
    public const string RegList = "reglist";
    public const string RegDelete = "regdelete";
    public const string AddRuntimePolicy = "addruntimepolicy";
    public const string ShowRuntimePolicy = "showruntimepolicy";
    public const string DeleteRuntimePolicy = "deleteruntimepolicy";
    public const string UpdateRuntimePolicy = "updateruntimepolicy";
    public const string ListRuntimePolicy = "listruntimepolicy";
    public const string AddMbPolicy = "addmbpolicy";
    public const string ShowMbPolicy = "showmbpolicy";
    public const string DeleteMbPolicy = "deletembpolicy";
    public const string UpdateMbPolicy = "updatembpolicy";
    public const string ListMbPolicy = "listmbpolicy";

    public static readonly IReadOnlyList<string> All =
    [
        Add, Update, Delete, Status, CvStatus, BulkInfo, CvList, Reactivate, RegStatus, RegList, RegDelete,
        AddRuntimePolicy, ShowRuntimePolicy, DeleteRuntimePolicy, UpdateRuntimePolicy, ListRuntimePolicy,
        AddMbPolicy, ShowMbPolicy, DeleteMbPolicy, UpdateMbPolicy, ListMbPolicy,
    ];
}
