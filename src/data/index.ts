/** The data barrel: everything this area exports publicly. */
export {};
