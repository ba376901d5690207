/** The viz barrel: everything this area exports publicly. */
export {};
