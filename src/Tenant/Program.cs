using Keylime.Tenant.Cli;
using Keylime.Tenant.Configuration;
using Keylime.Tenant.Output;

// keylime-tenant: Keylime's tenant verbs against our (or Keylime's) verifier and registrar.
return await TenantApp.RunAsync(args, new TenantOutput(Console.Out, Console.Error), arguments => TenantSettings.Load(arguments));
