/** The io barrel: everything this area exports publicly. */
export {};
