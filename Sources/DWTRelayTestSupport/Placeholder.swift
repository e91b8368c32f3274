public enum TPlaceholder {}
