// Skeleton: the tenant is built in its own issue; until then it refuses to run.
Console.Error.WriteLine("keylime-tenant: not built yet");
return 1;
