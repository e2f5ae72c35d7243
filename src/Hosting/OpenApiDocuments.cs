using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Keylime.Hosting;

public static class OpenApiDocuments
{
    /// <summary>
    /// The OpenAPI document and Swagger UI under <c>/swagger</c>, in a branch: every other request (an
    /// agent's push cycle, a registration) passes one path check instead of both middlewares.
    /// </summary>
    public static IApplicationBuilder UseOpenApiDocuments(this IApplicationBuilder app) =>
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase), swagger =>
        {
            swagger.UseSwagger();
            swagger.UseSwaggerUI();
        });
}
