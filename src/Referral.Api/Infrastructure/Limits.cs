namespace Referral.Api.Infrastructure;

/// <summary>Length limits shared by the database columns and request validation.</summary>
internal static class Limits
{
    public const int Code = 64;
    public const int Short = 256;
    public const int Name = 300;
    public const int Url = 2048;
    public const int Text = 10_000;
    public const int Phone = 32;
    public const int ListItems = 50;
    public const int Children = 200;

    public const int MaxPerPage = 100;
}
