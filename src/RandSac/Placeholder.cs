namespace RandSac; public static class Version { }
